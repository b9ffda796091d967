package dev.plrd.operator;

import dev.plrd.operator.JobObservation.Outcome;
import dev.plrd.operator.JobObservation.PodView;
import java.time.Instant;

/** {@link JobObservation}s as a stage's Job shows them at each step, for the pure unit tests. */
final class Observations {
    private Observations() {
    }

    /**
     * The Job exists and no pod has been created for it (yet). {@code started} is when the Job was
     * created, or resumed by Kueue: the start of its startup window.
     */
    static JobObservation noPod(Instant started) {
        return new JobObservation(true, started, started, false, Outcome.NONE, null, 0, 0, null, null, null);
    }

    /** The Job exists and the Job controller has not started it (no status.startTime yet). */
    static JobObservation notStarted(Instant created) {
        return new JobObservation(true, created, null, false, Outcome.NONE, null, 0, 0, null, null, null);
    }

    /** The Job exists and Kueue keeps it suspended. */
    static JobObservation queued(Instant started) {
        return new JobObservation(true, started, started, true, Outcome.NONE, null, 0, 0, null, null, null);
    }

    static JobObservation withPod(Instant started, PodView pod) {
        return new JobObservation(true, started, started, false, Outcome.NONE, null, 0, 0, pod, null, null);
    }

    static JobObservation succeeded(Instant started, String result) {
        return new JobObservation(true, started, started, false, Outcome.SUCCEEDED, null, 0, 0, null, 0, result);
    }

    static JobObservation failed(Instant started, String jobReason, Integer exitCode, String result) {
        return new JobObservation(true, started, started, false, Outcome.FAILED, jobReason, 1, 0, null, exitCode, result);
    }

    /** The same observation with other pod failure and disruption counts. */
    static JobObservation withCounts(JobObservation o, int failed, int disrupted) {
        return new JobObservation(o.exists(), o.created(), o.started(), o.suspended(), o.outcome(), o.jobReason(), failed,
                disrupted, o.pod(), o.exitCode(), o.result());
    }

    /** A pod the scheduler has not placed, with its explanation. */
    static PodView unscheduled(Instant podCreated, String schedulerMessage) {
        return new PodView(false, false, null, schedulerMessage, podCreated, null);
    }

    /** A scheduled pod whose worker container waits (reason may be null: no container status yet). */
    static PodView waiting(Instant podCreated, String reason, String message) {
        return new PodView(false, true, reason, message, podCreated, null);
    }

    static PodView running(Instant podCreated, Instant runningSince) {
        return new PodView(true, true, null, null, podCreated, runningSince);
    }
}
