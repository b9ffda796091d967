package dev.plrd.operator;

import dev.plrd.operator.JobObservation.Outcome;
import dev.plrd.operator.JobObservation.PodView;
import java.time.Instant;
import java.util.Set;

/** {@link JobObservation}s as a stage's Job shows them at each step, for the pure unit tests. */
final class Observations {
    /** The name of a Job's first pod in these observations; replacements are named by the tests. */
    static final String FIRST_POD = "job-pod-1";

    private Observations() {
    }

    /**
     * The Job exists and no pod has been created for it (yet). {@code started} is when the Job was
     * created, or resumed by Kueue: the start of its startup window.
     */
    static JobObservation noPod(Instant started) {
        return job(started, started, false, Outcome.NONE, null, null, null, null, null);
    }

    /** The Job exists and the Job controller has not started it (no status.startTime yet). */
    static JobObservation notStarted(Instant created) {
        return job(created, null, false, Outcome.NONE, null, null, null, null, null);
    }

    /** The Job exists and Kueue keeps it suspended. */
    static JobObservation queued(Instant started) {
        return job(started, started, true, Outcome.NONE, null, null, null, null, null);
    }

    /** The Job's first pod, not finished. */
    static JobObservation withPod(Instant started, PodView pod) {
        return job(started, started, false, Outcome.NONE, null, FIRST_POD, pod, null, null);
    }

    /** The Job is Complete; its first pod left that result. */
    static JobObservation succeeded(Instant started, String result) {
        return job(started, started, false, Outcome.SUCCEEDED, null, FIRST_POD, null, 0, result);
    }

    /** The Job is Failed after its first pod failed with that exit code and result. */
    static JobObservation failed(Instant started, String jobReason, Integer exitCode, String result) {
        return new JobObservation(true, started, started, false, Outcome.FAILED, jobReason, 1, FIRST_POD,
                Set.of(FIRST_POD), null, exitCode, result, null, false);
    }

    /** The same observation with another count of failed pods (as the Job's status.failed says). */
    static JobObservation withFailed(JobObservation o, int failed) {
        return new JobObservation(o.exists(), o.created(), o.started(), o.suspended(), o.outcome(), o.jobReason(),
                failed, o.newestPod(), o.failedPods(), o.pod(), o.exitCode(), o.result(), o.refusal(), false);
    }

    /**
     * The same observation where {@code newest} is the Job's newest pod, and {@code failedPods} the
     * pods still there that failed on their own (a pod lost to a disruption is not among them).
     */
    static JobObservation newestPod(JobObservation o, String newest, String... failedPods) {
        return new JobObservation(o.exists(), o.created(), o.started(), o.suspended(), o.outcome(), o.jobReason(),
                o.failed(), newest, Set.of(failedPods), o.pod(), o.exitCode(), o.result(), o.refusal(), false);
    }

    /** A pod the scheduler found no node for (PodScheduled=False, Unschedulable), with its explanation. */
    static PodView unscheduled(Instant podCreated, String schedulerMessage) {
        return new PodView(false, false, true, null, schedulerMessage, podCreated, null);
    }

    /** A pod the scheduler has not decided on yet: no node, and no PodScheduled=False verdict. */
    static PodView unbound(Instant podCreated) {
        return new PodView(false, false, false, null, null, podCreated, null);
    }

    /** A scheduled pod whose worker container waits (reason may be null: no container status yet). */
    static PodView waiting(Instant podCreated, String reason, String message) {
        return new PodView(false, true, false, reason, message, podCreated, null);
    }

    static PodView running(Instant podCreated, Instant runningSince) {
        return new PodView(true, true, false, null, null, podCreated, runningSince);
    }

    private static JobObservation job(Instant created, Instant started, boolean suspended, Outcome outcome,
            String jobReason, String newestPod, PodView pod, Integer exitCode, String result) {
        return new JobObservation(true, created, started, suspended, outcome, jobReason, 0, newestPod, Set.of(), pod,
                exitCode, result, null, false);
    }
}
