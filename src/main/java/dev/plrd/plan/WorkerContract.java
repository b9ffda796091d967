package dev.plrd.plan;

/**
 * What the operator and the stage worker ({@code plrd <stage>}) agree on, besides the command
 * line the planner builds and the {@link Workspace} layout.
 */
public final class WorkerContract {
    private WorkerContract() {
    }

    /** The container that runs the stage, named in the pod failure policy. */
    public static final String CONTAINER = "worker";

    /** The worker writes its {@code StageOutputs} JSON here; the kubelet keeps at most 4096 bytes. */
    public static final String RESULT_PATH = "/dev/termination-log";

    /** Environment variable holding the workspace root inside the pod. */
    public static final String WORKSPACE_ENV = "PLRD_WORKSPACE";

    /**
     * Seconds a stage pod gets between SIGTERM and SIGKILL: enough for training to save its state
     * when the pod is preempted or evicted (a node shutting down may still cut it shorter).
     */
    public static final long TERMINATION_GRACE_SECONDS = 120;

    /** Environment variable telling the worker its grace period, so it knows how long a final save may take. */
    public static final String TERMINATION_GRACE_ENV = "PLRD_TERMINATION_GRACE_SECONDS";

    public static final int EXIT_OK = 0;
    /** Anything else non-zero, an unexpected failure, is retried within the retry budget. */
    public static final int EXIT_FAILED = 1;
    /** Bad input (missing file, unknown architecture, target too large): retrying cannot help. */
    public static final int EXIT_INVALID_INPUT = 2;
    /** The evaluation gate refused the member: retrying cannot help either. */
    public static final int EXIT_GATE_FAILED = 3;
}
