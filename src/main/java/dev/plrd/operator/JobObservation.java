package dev.plrd.operator;

import java.time.Instant;

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
 * @param outcome     whether the Job has finished, and how
 * @param jobReason   the reason on the Job's Failed condition (BackoffLimitExceeded, PodFailurePolicy, ...)
 * @param failed      pods the Job controller counted as failed (disruptions are not counted)
 * @param disrupted   pods that failed with the DisruptionTarget condition (preemption, eviction, drain)
 * @param pod         the newest pod that has not finished, or null
 * @param exitCode    exit code of the worker in the newest finished pod, or null
 * @param result      termination message of the succeeded pod, or of the newest failed one
 */
record JobObservation(boolean exists, Instant created, Instant started, boolean suspended, Outcome outcome, String jobReason,
        int failed, int disrupted, PodView pod, Integer exitCode, String result) {

    enum Outcome { NONE, SUCCEEDED, FAILED }

    static final JobObservation ABSENT = new JobObservation(false, null, null, false, Outcome.NONE, null, 0, 0, null, null,
            null);

    /**
     * A pod that has not finished.
     *
     * @param running       the pod phase is Running
     * @param scheduled     the pod is bound to a node
     * @param waitingReason why the worker container waits (ErrImagePull, CreateContainerConfigError, ...), or null
     * @param message       the scheduler's or kubelet's explanation, or null
     * @param created       when the pod was created (the start of its startup window)
     * @param runningSince  when the worker container started, or null
     */
    record PodView(boolean running, boolean scheduled, String waitingReason, String message, Instant created,
            Instant runningSince) {
    }
}
