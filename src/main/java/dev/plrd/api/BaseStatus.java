package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the family's base turned out to be when the first member's decompose read it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BaseStatus {
    @JsonPropertyDescription("The base as the stages read it: spec.base.uri with its revision.")
    public String uri;

    @JsonPropertyDescription("The commit a Hub revision (branch, tag or commit) resolved to; every stage of the family reads this commit.")
    public String revision;

    @JsonPropertyDescription("Bytes of the base's files in the workspace cache (absent for a base read in place).")
    public Long bytes;
}
