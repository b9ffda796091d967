package dev.plrd.operator;

import dev.plrd.api.StageName;
import dev.plrd.api.StageOutputs;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import dev.plrd.plan.WorkerContract;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Every transition of a stage, in one place. Pure: it takes the recorded stage status and what
 * the stage's Job shows, and returns the next status and the one action to take on the Job.
 *
 * <pre>
 *   Pending ──start──▶ Starting ──pod runs──▶ Running ──Job complete──▶ Succeeded
 *      ▲                  │  ▲                   │
 *      │                  │  └──pod replaced─────┤ (preemption: not a retry)
 *      │                  ├──image pull error, startup timeout, Job failed──▶ Failed
 *      │                  │                      ├──run timeout, Job failed──▶ Failed
 *      │                  └──────suspend─────────┴──────────▶ Suspended ──start──▶ Starting
 *      └── reset (inputs changed, Job lost while running, failed stage retried on a new generation)
 * </pre>
 *
 * A Job name is recorded (Starting) before the Job exists; a Starting stage whose Job is missing
 * asks for it to be created, which is idempotent, so a restart between the two steps neither
 * loses nor duplicates the Job. Finished stages never look at their Job again.
 */
final class StageStateMachine {
    static final String WAITING_FOR_PREVIOUS = "WaitingForPreviousStage";
    static final String INPUTS_CHANGED = "InputsChanged";
    static final String RETRYING = "RetryingAfterSpecChange";
    static final String JOB_LOST = "JobDeleted";
    static final String SUBMITTED = "Submitted";
    static final String QUEUED = "Queued";
    static final String WAITING_FOR_CAPACITY = "WaitingForCapacity";
    static final String CONTAINER_CREATING = "ContainerCreating";
    static final String RUNNING = "Running";
    static final String COMPLETED = "Completed";
    static final String RETRIES_EXHAUSTED = "RetriesExhausted";
    static final String INVALID_INPUT = "InvalidInput";
    static final String GATE_FAILED = "EvaluationGateFailed";
    static final String IMAGE_PULL_FAILED = "ImagePullFailed";
    static final String STARTUP_TIMEOUT = "StartupTimeout";
    static final String RUN_TIMEOUT = "RunTimeout";
    static final String JOB_FAILED = "JobFailed";
    static final String SUSPENDED = "Suspended";

    /** Kubelet waiting reasons that no amount of waiting fixes: fail fast instead of holding a GPU node. */
    private static final Set<String> IMAGE_PULL_ERRORS = Set.of("ErrImagePull", "ImagePullBackOff",
            "InvalidImageName", "ErrImageNeverPull");

    enum Action { NONE, CREATE_JOB, DELETE_JOB }

    /** The next status of the stage, what to do with its Job, and when to look again if nothing happens. */
    record Step(StageStatus stage, Action action, Instant recheckAt) {
    }

    record Timeouts(Duration startup, Duration run) {
    }

    private StageStateMachine() {
    }

    static StageStatus pending(StageName name, String fingerprint) {
        StageStatus s = new StageStatus();
        s.name = name;
        s.fingerprint = fingerprint;
        s.phase = StagePhase.Pending;
        s.attempt = 0;
        s.reason = WAITING_FOR_PREVIOUS;
        return s;
    }

    /** Pending or Suspended to Starting: a new attempt whose Job name is recorded before the Job exists. */
    static Step start(StageStatus current, IntFunction<String> jobNameForAttempt, Instant now) {
        requirePhase(current, StagePhase.Pending, StagePhase.Suspended);
        StageStatus s = copy(current);
        s.phase = StagePhase.Starting;
        s.attempt = (current.attempt == null ? 0 : current.attempt) + 1;
        String jobName = jobNameForAttempt.apply(s.attempt);
        s.jobName = jobName;
        s.submitTime = Timestamps.format(now);
        s.startTime = null;
        s.completionTime = null;
        s.retries = 0;
        s.interruptions = 0;
        s.reason = SUBMITTED;
        s.message = "Job " + jobName + " requested (attempt " + s.attempt + ")";
        s.outputs = null;
        return new Step(s, Action.CREATE_JOB, null);
    }

    /** An active stage stopped by spec.suspend; its Job is deleted (Kueue owns the Job's own suspend field). */
    static Step suspend(StageStatus current, Instant now) {
        requirePhase(current, StagePhase.Starting, StagePhase.Running);
        StageStatus s = copy(current);
        s.phase = StagePhase.Suspended;
        s.reason = SUSPENDED;
        s.message = "stopped at attempt " + current.attempt + " (Job " + current.jobName
                + " deleted); it continues when spec.suspend is false";
        return new Step(s, Action.DELETE_JOB, null);
    }

    /** Back to Pending with new inputs (or for another try); an active Job is deleted first. */
    static Step reset(StageStatus current, String fingerprint, String reason, String message) {
        StageStatus s = copy(current);
        s.fingerprint = fingerprint;
        s.phase = StagePhase.Pending;
        s.reason = reason;
        s.message = message;
        s.outputs = null;
        s.startTime = null;
        s.completionTime = null;
        return new Step(s, current.phase.active() ? Action.DELETE_JOB : Action.NONE, null);
    }

    /** An active stage (Starting or Running) against what its Job shows. */
    static Step observe(StageStatus current, JobObservation job, Timeouts timeouts, Instant now) {
        requirePhase(current, StagePhase.Starting, StagePhase.Running);
        StageStatus s = copy(current);
        if (!job.exists()) {
            if (current.phase == StagePhase.Starting) {
                return new Step(s, Action.CREATE_JOB, null);
            }
            StageStatus lost = reset(current, current.fingerprint, JOB_LOST,
                    "Job " + current.jobName + " was deleted while running; a new attempt starts").stage();
            return new Step(lost, Action.NONE, null);
        }
        s.retries = job.failed();
        s.interruptions = job.disrupted();
        switch (job.outcome()) {
            case SUCCEEDED -> {
                return succeeded(s, job, now);
            }
            case FAILED -> {
                return failed(s, failureReason(job), failureMessage(job), now, Action.NONE);
            }
            default -> {
            }
        }
        if (job.suspended()) {
            return starting(s, QUEUED, "Kueue holds the Job until its queue admits it", null);
        }
        JobObservation.PodView pod = job.pod();
        if (pod == null) {
            // Before the first pod the startup window runs from the Job's start, which the Job
            // controller resets when Kueue admits the Job: queueing is not startup. A Job just
            // released from the queue has no new start yet, so it waits for one. Between pods (retry
            // backoff, a replacement after preemption) there is no window: the next pod opens its own.
            boolean neverHadPod = job.failed() == 0 && job.disrupted() == 0;
            Instant start = job.started() != null ? job.started() : QUEUED.equals(current.reason) ? null : job.created();
            Instant since = current.phase == StagePhase.Starting && neverHadPod ? start : null;
            return timedOutStarting(s, since, timeouts, now)
                    ? failed(s, STARTUP_TIMEOUT, "no pod started within " + timeouts.startup(), now, Action.DELETE_JOB)
                    : new Step(s, Action.NONE, since == null ? null : since.plus(timeouts.startup()));
        }
        if (!pod.running()) {
            if (pod.waitingReason() != null && IMAGE_PULL_ERRORS.contains(pod.waitingReason())) {
                return failed(s, IMAGE_PULL_FAILED, pod.waitingReason() + ": " + pod.message(), now, Action.DELETE_JOB);
            }
            if (timedOutStarting(s, pod.created(), timeouts, now)) {
                return failed(s, STARTUP_TIMEOUT, "pod not running within " + timeouts.startup()
                        + (pod.message() != null ? ": " + pod.message() : ""), now, Action.DELETE_JOB);
            }
            String reason = !pod.scheduled() ? WAITING_FOR_CAPACITY
                    : pod.waitingReason() != null ? pod.waitingReason() : CONTAINER_CREATING;
            return starting(s, reason, pod.message(), pod.created().plus(timeouts.startup()));
        }
        s.phase = StagePhase.Running;
        if (s.startTime == null) {
            s.startTime = Timestamps.format(pod.runningSince() != null ? pod.runningSince() : now);
        }
        s.reason = RUNNING;
        s.message = "attempt " + s.attempt + ", " + s.retries + " retries, " + s.interruptions + " interruptions";
        Instant runningSince = pod.runningSince() != null ? pod.runningSince() : now;
        Instant deadline = runningSince.plus(timeouts.run());
        if (!now.isBefore(deadline)) {
            return failed(s, RUN_TIMEOUT, "still running after " + timeouts.run(), now, Action.DELETE_JOB);
        }
        return new Step(s, Action.NONE, deadline);
    }

    private static boolean timedOutStarting(StageStatus s, Instant since, Timeouts timeouts, Instant now) {
        return since != null && !now.isBefore(since.plus(timeouts.startup()));
    }

    private static Step starting(StageStatus s, String reason, String message, Instant recheckAt) {
        s.phase = StagePhase.Starting;
        s.reason = reason;
        s.message = StageResults.truncate(message);
        return new Step(s, Action.NONE, recheckAt);
    }

    private static Step succeeded(StageStatus s, JobObservation job, Instant now) {
        s.phase = StagePhase.Succeeded;
        s.reason = COMPLETED;
        s.completionTime = Timestamps.format(now);
        if (s.startTime == null) {
            s.startTime = s.completionTime;
        }
        StageOutputs outputs = StageResults.outputs(job.result());
        s.outputs = outputs;
        s.message = outputs != null ? "completed at attempt " + s.attempt
                : "completed, but the pod left no readable result in its termination message";
        return new Step(s, Action.NONE, null);
    }

    private static Step failed(StageStatus s, String reason, String message, Instant now, Action action) {
        s.phase = StagePhase.Failed;
        s.reason = reason;
        s.message = StageResults.truncate(message);
        s.completionTime = Timestamps.format(now);
        return new Step(s, action, null);
    }

    private static String failureReason(JobObservation job) {
        if (job.exitCode() != null && job.exitCode() == WorkerContract.EXIT_INVALID_INPUT) {
            return INVALID_INPUT;
        }
        if (job.exitCode() != null && job.exitCode() == WorkerContract.EXIT_GATE_FAILED) {
            return GATE_FAILED;
        }
        return "BackoffLimitExceeded".equals(job.jobReason()) ? RETRIES_EXHAUSTED : JOB_FAILED;
    }

    private static String failureMessage(JobObservation job) {
        String worker = StageResults.failureMessage(job.result());
        String counts = job.failed() + " failed pod(s)";
        if (worker != null) {
            return worker + " (" + counts + ")";
        }
        return "Job failed" + (job.jobReason() != null ? " (" + job.jobReason() + ")" : "") + ", " + counts;
    }

    private static void requirePhase(StageStatus s, StagePhase... allowed) {
        for (StagePhase p : allowed) {
            if (s.phase == p) {
                return;
            }
        }
        throw new IllegalStateException("stage " + s.name.id() + " is " + s.phase + ", not one of "
                + java.util.Arrays.toString(allowed));
    }

    static StageStatus copy(StageStatus o) {
        StageStatus s = new StageStatus();
        s.name = o.name;
        s.phase = o.phase;
        s.attempt = o.attempt;
        s.jobName = o.jobName;
        s.fingerprint = o.fingerprint;
        s.retries = o.retries;
        s.interruptions = o.interruptions;
        s.submitTime = o.submitTime;
        s.startTime = o.startTime;
        s.completionTime = o.completionTime;
        s.reason = o.reason;
        s.message = o.message;
        s.outputs = o.outputs;
        return s;
    }
}
