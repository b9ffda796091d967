package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class StageStatus {
    public StageName name;

    @JsonPropertyDescription("Pending, Starting, Running, Succeeded, Failed or Suspended.")
    public StagePhase phase;

    @JsonPropertyDescription("Jobs created for this stage so far (a resume after suspension or a lost Job makes a new one).")
    public Integer attempt;

    @JsonPropertyDescription("The Job of the current attempt; recorded before the Job is created.")
    public String jobName;

    @JsonPropertyDescription("Hash of this stage's inputs; a spec change that alters it re-runs the stage.")
    public String fingerprint;

    @JsonPropertyDescription("Application failures retried in the current Job.")
    public Integer retries;

    @JsonPropertyDescription("Pods lost to preemption, eviction or node drain; not counted as retries.")
    public Integer interruptions;

    /** When the current attempt's Job was requested. */
    public String submitTime;
    /** When the stage first ran (the end of its queue wait). */
    public String startTime;
    public String completionTime;

    public String reason;
    public String message;

    public StageOutputs outputs;
}
