package dev.plrd.operator;

/**
 * Every reason the operator writes, on a stage, a condition or an Event, in one catalogue, so
 * that users and tests can rely on the spelling. Reasons are CamelCase, as Kubernetes asks.
 */
final class Reasons {
    // ---- a stage that has not started -----------------------------------------------------------------------

    /** Pending: an earlier stage of the family has not succeeded yet. */
    static final String WAITING_FOR_PREVIOUS = "WaitingForPreviousStage";
    /** Pending: the stage's inputs changed, so it runs again from its first attempt. */
    static final String INPUTS_CHANGED = "InputsChanged";
    /** Pending: a failed stage is tried again because the spec changed (same inputs, next attempt). */
    static final String RETRYING = "RetryingAfterSpecChange";
    /** Pending: the running stage's Job was deleted by someone else; the next attempt starts. */
    static final String JOB_LOST = "JobDeleted";

    // ---- an active stage ------------------------------------------------------------------------------------

    /** Starting: the Job is requested or created, and has no pod yet. */
    static final String SUBMITTED = "Submitted";
    /** Starting: Kueue keeps the Job suspended until its queue admits it. */
    static final String QUEUED = "Queued";
    /** Starting: the pod exists and the scheduler has not decided on it yet. */
    static final String SCHEDULING = "Scheduling";
    /** Starting: the scheduler found no node for the pod (PodScheduled=False, Unschedulable). */
    static final String WAITING_FOR_CAPACITY = "WaitingForCapacity";
    /**
     * Starting: a ResourceQuota of the namespace has no room for the Job or the workspace claim
     * yet; the create is sent again until the startup timeout, since quota frees up as other work ends.
     */
    static final String WAITING_FOR_QUOTA = "WaitingForQuota";
    /** Starting: the pod is on a node and its container is being created. */
    static final String CONTAINER_CREATING = "ContainerCreating";
    /** Running: the worker container runs. */
    static final String RUNNING = "Running";
    /** Suspended: spec.suspend stopped the stage and its Job was deleted. */
    static final String SUSPENDED = "Suspended";

    // ---- a finished stage -----------------------------------------------------------------------------------

    /** Succeeded: the worker exited 0 and wrote its result. */
    static final String COMPLETED = "Completed";
    /** Failed: the worker exited 0 without writing a readable result to its termination message. */
    static final String NO_RESULT = "NoResult";
    /** Failed: every pod the retry budget allows failed. */
    static final String RETRIES_EXHAUSTED = "RetriesExhausted";
    /** Failed: the worker refused its input (exit 2); a retry cannot help. */
    static final String INVALID_INPUT = "InvalidInput";
    /** Failed: the evaluation gate refused the member (exit 10). */
    static final String GATE_FAILED = "EvaluationGateFailed";
    /** Failed: the model computes a NaN or infinite loss (exit 11); its weights or config are broken. */
    static final String NON_FINITE_LOSS = "NonFiniteLoss";
    /** Failed: the Job failed for a reason of its own (deadline, a policy); see the message. */
    static final String JOB_FAILED = "JobFailed";
    /** Failed: the image cannot be pulled; waiting does not fix it. */
    static final String IMAGE_PULL_FAILED = "ImagePullFailed";
    /** Failed: no Job or no running pod within the startup timeout. */
    static final String STARTUP_TIMEOUT = "StartupTimeout";
    /** Failed: the pod ran longer than the run timeout. */
    static final String RUN_TIMEOUT = "RunTimeout";
    /** Failed: the API server refused to create the stage's Job (403, 422, 400). */
    static final String JOB_REJECTED = "JobRejected";
    /** Failed: the API server refused to create the family's workspace claim (403, 422, 400). */
    static final String WORKSPACE_REJECTED = "WorkspaceRejected";

    // ---- the family's conditions ----------------------------------------------------------------------------

    /**
     * Degraded, Ready, Progressing: the spec breaks the CRD's rules, names an image outside the allowed ones, or asks
     * for training that cannot fit the GPUs' memory even with activation checkpointing (plan/MemoryPlan, checked
     * before any Job where the base's architecture and the GPU's memory are known).
     */
    static final String INVALID_SPEC = "InvalidSpec";
    /**
     * Degraded, Ready, Progressing: a train stage spans several nodes, which runs as a Kubeflow Trainer TrainJob, and
     * the API server does not serve TrainJobs. Checked on every reconcile (discovery), so the family goes on once
     * Trainer is installed; nothing is created or retried meanwhile.
     */
    static final String TRAINER_NOT_INSTALLED = "TrainerNotInstalled";
    /**
     * Degraded, Ready, Progressing: TrainJobs are served, but their informer cannot start (the operator's service
     * account may not list or watch them); the message has the server's answer. Looked at again like
     * {@link #TRAINER_NOT_INSTALLED}.
     */
    static final String TRAINER_UNAVAILABLE = "TrainerUnavailable";
    /** Ready: every member is published. */
    static final String ALL_MEMBERS_PUBLISHED = "AllMembersPublished";
    /** Progressing=False: nothing is left to do. */
    static final String COMPLETE = "Complete";
    /** Progressing=False: a stage failed, and the family waits for a spec change. */
    static final String STAGE_FAILED = "StageFailed";
    /** Degraded=False. */
    static final String NO_FAILURE = "NoFailure";
    /** Suspended=True: spec.suspend is set. */
    static final String SUSPENDED_BY_SPEC = "SuspendedBySpec";
    /** Suspended=False. */
    static final String NOT_SUSPENDED = "NotSuspended";

    // ---- Events that are not transitions --------------------------------------------------------------------

    /** A pod of the stage failed and another one was started, within the retry budget. */
    static final String STAGE_RETRIED = "StageRetried";
    /** A pod of the stage was lost to preemption, eviction or drain and replaced outside the retry budget. */
    static final String STAGE_INTERRUPTED = "StageInterrupted";

    // ---- reasons Kubernetes writes, that the operator reads -------------------------------------------------

    /** On a Job's Failed condition: more pods failed than backoffLimit allows. */
    static final String K8S_BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded";
    /** On a pod's PodScheduled=False condition: no node fits the pod. */
    static final String K8S_UNSCHEDULABLE = "Unschedulable";

    private Reasons() {
    }
}
