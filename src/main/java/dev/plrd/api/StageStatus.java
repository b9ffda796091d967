package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class StageStatus {
    @JsonPropertyDescription("decompose, train, evaluate or publish.")
    public StageName name;

    @JsonPropertyDescription("Pending, Starting, Running, Succeeded, Failed or Suspended.")
    public StagePhase phase;

    @JsonPropertyDescription("Jobs created for this run of the stage (a resume after suspension or a lost Job makes a new one); 0 again when its inputs change.")
    public Integer attempt;

    @JsonPropertyDescription("Jobs created for this stage over its whole life; numbers the next Job's name, so no name is ever used twice.")
    public Integer jobsCreated;

    @JsonPropertyDescription("The Job of the current attempt; recorded before the Job is created.")
    public String jobName;

    @JsonPropertyDescription("The newest pod of the current Job the operator saw; a replacement for a pod that did not fail is an interruption.")
    public String pod;

    @JsonPropertyDescription("The recorded pod failed on its own (not by a disruption), so another pod replacing it is a retry, not an interruption, even once it is gone.")
    public Boolean podFailed;

    @JsonPropertyDescription("Hash of this stage's inputs; a spec change that alters it re-runs the stage.")
    public String fingerprint;

    @JsonPropertyDescription("Pods of the current Job that failed and were followed by another pod (a failure that ends the Job is not a retry).")
    public Integer retries;

    @JsonPropertyDescription("Pods of the current Job lost to preemption, eviction or node drain (also once deleted); not counted as retries.")
    public Integer interruptions;

    @JsonPropertyDescription("When the current attempt's Job was requested.")
    public String submitTime;
    @JsonPropertyDescription("When the stage first ran (the end of its queue wait).")
    public String startTime;
    @JsonPropertyDescription("When the stage succeeded or failed for good.")
    public String completionTime;

    @JsonPropertyDescription("Why the stage is in its phase, in CamelCase (WaitingForCapacity, InvalidInput, ...).")
    public String reason;
    @JsonPropertyDescription("The reason in words, such as the worker's error.")
    public String message;

    @JsonPropertyDescription("The result the stage pod reported in its termination message.")
    public StageOutputs outputs;
}
