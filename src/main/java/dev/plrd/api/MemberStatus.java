package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MemberStatus {
    @JsonPropertyDescription("The member's name, as in spec.members.")
    public String name;
    @JsonPropertyDescription("Parameter count after decomposition.")
    public Long parameters;
    @JsonPropertyDescription("The decompose stage's ranks summary, such as q:1024 k:256 down:1792-2304.")
    public String ranks;
    @JsonPropertyDescription("Final training loss.")
    public Double loss;
    @JsonPropertyDescription("Held-out perplexity.")
    public Double perplexity;
    @JsonPropertyDescription("The published OCI artifact of the member.")
    public ArtifactStatus artifact;
    @JsonPropertyDescription("The member's stages in order: decompose, train, evaluate, publish.")
    public List<StageStatus> stages = new ArrayList<>();
}
