package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MemberStatus {
    public String name;
    /** Parameter count after decomposition. */
    public Long parameters;
    /** Ranks summary, such as "q,k,v,o:1024 gate,up,down:2048". */
    public String ranks;
    /** Final training loss. */
    public Double loss;
    /** Held-out perplexity. */
    public Double perplexity;
    public ArtifactStatus artifact;
    public List<StageStatus> stages = new ArrayList<>();
}
