package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ArtifactStatus {
    public String uri;
    public String digest;
}
