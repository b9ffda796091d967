package dev.plrd.plan;

import java.util.List;

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

    /*
     * Exit codes of every stage worker. A permanent cause has its own code, listed in
     * PERMANENT_EXIT_CODES: the Job's pod failure policy fails the Job at once on those, and the
     * operator names the cause. Every other non-zero code is retried within the retry budget.
     */
    public static final int EXIT_OK = 0;
    /** An unexpected failure (a crash, a lost connection): retried within the retry budget. */
    public static final int EXIT_FAILED = 1;
    /** Bad input (missing file, unknown architecture, target too large): retrying cannot help. */
    public static final int EXIT_INVALID_INPUT = 2;
    /**
     * The JVM ran out of memory: {@code -XX:+ExitOnOutOfMemoryError} exits with 3, a code the JVM
     * fixes. Retried like any other failure (a node with more memory, or less contention, may do).
     */
    public static final int EXIT_OUT_OF_MEMORY = 3;
    /** The evaluation gate refused the member: retrying cannot help either. */
    public static final int EXIT_GATE_FAILED = 10;
    /** The model computes a non-finite loss (NaN or infinity): its weights or config are broken, and a retry computes the same. */
    public static final int EXIT_NON_FINITE = 11;

    /** The codes on which a stage fails at once, without using its retry budget. */
    public static final List<Integer> PERMANENT_EXIT_CODES = List.of(EXIT_INVALID_INPUT, EXIT_GATE_FAILED,
            EXIT_NON_FINITE);
}
