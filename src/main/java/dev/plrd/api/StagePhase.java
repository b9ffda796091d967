package dev.plrd.api;

public enum StagePhase {
    /** Not started: an earlier stage has not finished. */
    Pending,
    /** Job requested (its name is in status) and its pod not yet running: queued, waiting for a node, pulling. */
    Starting,
    Running,
    Succeeded,
    /** Failed for good: retries exhausted, a permanent error, or a timeout. */
    Failed,
    /** Stopped by spec.suspend; resuming starts a new attempt of this stage. */
    Suspended;

    public boolean active() {
        return this == Starting || this == Running;
    }
}
