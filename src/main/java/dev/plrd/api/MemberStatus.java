package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MemberStatus {
    public String name;
    /** Parameter count after decomposition. */
    public Long parameters;
    /** The decompose stage's ranks summary, as {@link StageOutputs#ranks} describes it, e.g. "q:1024 k:256 down:1792-2304". */
    public String ranks;
    /** Final training loss. */
    public Double loss;
    /** Held-out perplexity. */
    public Double perplexity;
    public ArtifactStatus artifact;
    public List<StageStatus> stages = new ArrayList<>();
}
