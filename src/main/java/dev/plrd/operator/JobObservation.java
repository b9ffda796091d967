package dev.plrd.operator;

import java.time.Instant;
import java.util.Set;

/**
 * What a stage's Job and its pods show, reduced to what the stage state machine decides on.
 * Built from the informer caches by {@link JobObserver}; free of Kubernetes types so the state
 * machine can be tested without a cluster.
 *
 * @param exists      the Job is in the cache
 * @param created     when the Job was created
 * @param started     when the Job controller started it, or last resumed it after Kueue admitted it
 *                    (status.startTime); null until then
 * @param suspended   the Job is suspended (by Kueue, which owns that field; the operator never sets it)
 * @param outcome     whether the Job has finished, and how: only the terminal conditions (Complete,
 *                    Failed) count, since the interim ones (SuccessCriteriaMet, FailureTarget) come
 *                    before the Job controller has finished its pods and its counts
 * @param jobReason   the reason on the Job's Failed condition (BackoffLimitExceeded, PodFailurePolicy, ...)
 * @param failed      pods the Job controller counted as failed (disruptions are not counted)
 * @param newestPod   the name of the Job's newest pod, whatever its phase, or null before the first
 * @param failedPods  names of the pods still there that failed on their own (not by a disruption)
 * @param pod         the newest pod that has not finished, or null
 * @param exitCode    exit code of the worker in the newest finished pod, or null
 * @param result      termination message of the succeeded pod, or of the newest failed one
 * @param refusal     why the API server refused to create the Job (or what it needs), or null
 * @param group       the workload is a group of node pods (a TrainJob) followed through its rank-0 pod: no controller
 *                    counts its failures, so a retry is counted when a rank-0 pod that failed on its own is replaced
 *                    (JobSet deletes a failed attempt's pods before it starts the next)
 */
public record JobObservation(boolean exists, Instant created, Instant started, boolean suspended, Outcome outcome,
        String jobReason, int failed, String newestPod, Set<String> failedPods, PodView pod, Integer exitCode,
        String result, Refusal refusal, boolean group) {

    public enum Outcome { NONE, SUCCEEDED, FAILED }

    public static final JobObservation ABSENT = new JobObservation(false, null, null, false, Outcome.NONE, null, 0, null,
            Set.of(), null, null, null, null, false);

    /** No Job, because the API server refused to create it or the workspace claim it needs. */
    static JobObservation refused(Refusal refusal) {
        return new JobObservation(false, null, null, false, Outcome.NONE, null, 0, null, Set.of(), null, null, null,
                refusal, false);
    }

    /**
     * A create that the API server refused: for good (403, 422, 400), where retrying the same
     * request gets the same answer, or for now (a ResourceQuota without room), where it waits.
     *
     * @param reason  {@link Reasons#JOB_REJECTED}, {@link Reasons#WORKSPACE_REJECTED} or
     *                {@link Reasons#WAITING_FOR_QUOTA}
     * @param message the object, the offending fields when the server names them, and its message
     */
    public record Refusal(String reason, String message) {
        boolean waits() {
            return Reasons.WAITING_FOR_QUOTA.equals(reason);
        }
    }

    /**
     * A pod that has not finished.
     *
     * @param running       the pod phase is Running
     * @param bound         the pod is bound to a node
     * @param unschedulable the scheduler found no node for it (PodScheduled=False, reason Unschedulable)
     * @param waitingReason why the worker container waits (ErrImagePull, CreateContainerConfigError, ...), or null
     * @param message       the scheduler's or kubelet's explanation, or null
     * @param created       when the pod was created (the start of its startup window)
     * @param runningSince  when the worker container started, or null
     */
    public record PodView(boolean running, boolean bound, boolean unschedulable, String waitingReason, String message,
            Instant created, Instant runningSince) {
    }
}
