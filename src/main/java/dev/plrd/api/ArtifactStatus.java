package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ArtifactStatus {
    @JsonPropertyDescription("The artifact's reference, by digest.")
    public String uri;
    @JsonPropertyDescription("The manifest digest (sha256:...).")
    public String digest;
}
