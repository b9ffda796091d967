package dev.plrd.operator;

import dev.plrd.api.Durations;
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
 *      │                  ├──image pull error, startup timeout, Job refused, Job failed──▶ Failed
 *      │                  │                      ├──run timeout, Job failed, no result──▶ Failed
 *      │                  └──────suspend─────────┴──────────▶ Suspended ──start──▶ Starting
 *      └── rerun (inputs changed) or retry (Job lost while running, failed stage on a new generation)
 * </pre>
 *
 * A Job name is recorded (Starting) before the Job exists; a Starting stage whose Job is missing
 * asks for it to be created, which is idempotent, so a restart between the two steps neither
 * loses nor duplicates the Job. Finished stages never look at their Job again.
 */
public final class StageStateMachine {
    /** Kubelet waiting reasons that no amount of waiting fixes: fail fast instead of holding a GPU node. */
    private static final Set<String> IMAGE_PULL_ERRORS = Set.of("ErrImagePull", "ImagePullBackOff",
            "InvalidImageName", "ErrImageNeverPull");

    /** How soon a create that waits for quota is sent again (within the startup timeout). */
    static final Duration QUOTA_RETRY = Duration.ofSeconds(30);

    enum Action { NONE, CREATE_JOB, DELETE_JOB }

    /** The next status of the stage, what to do with its Job, and when to look again if nothing happens. */
    record Step(StageStatus stage, Action action, Instant recheckAt) {
    }

    public record Timeouts(Duration startup, Duration run) {
    }

    private StageStateMachine() {
    }

    static StageStatus pending(StageName name, String fingerprint) {
        StageStatus s = new StageStatus();
        s.name = name;
        s.fingerprint = fingerprint;
        s.phase = StagePhase.Pending;
        s.attempt = 0;
        s.reason = Reasons.WAITING_FOR_PREVIOUS;
        return s;
    }

    /**
     * Pending or Suspended to Starting: a new attempt whose Job name is recorded before the Job
     * exists. The name is numbered by the Jobs the stage ever had, not by the attempt, so that a
     * rerun never asks for a name whose Job may still be there.
     */
    static Step start(StageStatus current, IntFunction<String> jobNameForSequence, Instant now) {
        requirePhase(current, StagePhase.Pending, StagePhase.Suspended);
        StageStatus s = copy(current);
        s.phase = StagePhase.Starting;
        s.attempt = count(current.attempt) + 1;
        // a status written before jobsCreated existed numbered its Jobs by attempt
        s.jobsCreated = Math.max(count(current.jobsCreated), count(current.attempt)) + 1;
        String jobName = jobNameForSequence.apply(s.jobsCreated);
        s.jobName = jobName;
        s.pod = null;
        s.podFailed = null;
        s.submitTime = Timestamps.format(now);
        s.startTime = null;
        s.completionTime = null;
        s.retries = 0;
        s.interruptions = 0;
        s.reason = Reasons.SUBMITTED;
        s.message = "Job " + jobName + " requested (attempt " + s.attempt + ")";
        s.outputs = null;
        return new Step(s, Action.CREATE_JOB, null);
    }

    /** An active stage stopped by spec.suspend; its Job is deleted (Kueue owns the Job's own suspend field). */
    static Step suspend(StageStatus current, Instant now) {
        requirePhase(current, StagePhase.Starting, StagePhase.Running);
        StageStatus s = copy(current);
        s.phase = StagePhase.Suspended;
        s.reason = Reasons.SUSPENDED;
        s.message = "stopped at attempt " + current.attempt + " (Job " + current.jobName
                + " deleted); it continues when spec.suspend is false";
        return new Step(s, Action.DELETE_JOB, null);
    }

    /** Back to Pending with new inputs: a new run, counted from its first attempt; an active Job is deleted first. */
    static Step rerun(StageStatus current, String fingerprint, String reason, String message) {
        StageStatus s = toPending(current, reason, message);
        s.fingerprint = fingerprint;
        s.attempt = 0;
        return new Step(s, current.phase.active() ? Action.DELETE_JOB : Action.NONE, null);
    }

    /** Back to Pending with the same inputs, for another attempt; an active Job is deleted first. */
    static Step retry(StageStatus current, String reason, String message) {
        StageStatus s = toPending(current, reason, message);
        return new Step(s, current.phase.active() ? Action.DELETE_JOB : Action.NONE, null);
    }

    /** Nothing of the previous attempt stays on a Pending stage but its count and the Jobs it used up. */
    private static StageStatus toPending(StageStatus current, String reason, String message) {
        StageStatus s = copy(current);
        s.jobsCreated = Math.max(count(current.jobsCreated), count(current.attempt));
        s.phase = StagePhase.Pending;
        s.reason = reason;
        s.message = message;
        s.jobName = null;
        s.pod = null;
        s.podFailed = null;
        s.retries = null;
        s.interruptions = null;
        s.outputs = null;
        s.submitTime = null;
        s.startTime = null;
        s.completionTime = null;
        return s;
    }

    /** An active stage (Starting or Running) against what its Job shows. */
    static Step observe(StageStatus current, JobObservation job, Timeouts timeouts, Instant now) {
        requirePhase(current, StagePhase.Starting, StagePhase.Running);
        StageStatus s = copy(current);
        if (!job.exists()) {
            return withoutJob(current, s, job, timeouts, now);
        }
        countPods(current, s, job);
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
            return starting(s, Reasons.QUEUED, "Kueue holds the Job until its queue admits it", null);
        }
        JobObservation.PodView pod = job.pod();
        if (pod == null) {
            // Before the first pod the startup window runs from the Job's start, which the Job
            // controller resets when Kueue admits the Job: queueing is not startup. A Job just
            // released from the queue has no new start yet, so it waits for one. Between pods (retry
            // backoff, a replacement after preemption) there is no window: the next pod opens its own.
            boolean neverHadPod = current.pod == null && job.newestPod() == null && job.failed() == 0;
            Instant start = job.started() != null ? job.started()
                    : Reasons.QUEUED.equals(current.reason) ? null : job.created();
            Instant since = current.phase == StagePhase.Starting && neverHadPod ? start : null;
            return timedOut(since, timeouts.startup(), now)
                    ? failed(s, Reasons.STARTUP_TIMEOUT, "no pod started within " + Durations.format(timeouts.startup()),
                            now, Action.DELETE_JOB)
                    : new Step(s, Action.NONE, since == null ? null : since.plus(timeouts.startup()));
        }
        if (!pod.running()) {
            if (pod.waitingReason() != null && IMAGE_PULL_ERRORS.contains(pod.waitingReason())) {
                return failed(s, Reasons.IMAGE_PULL_FAILED, pod.waitingReason() + ": " + pod.message(), now,
                        Action.DELETE_JOB);
            }
            if (timedOut(pod.created(), timeouts.startup(), now)) {
                return failed(s, Reasons.STARTUP_TIMEOUT, "pod not running within " + Durations.format(timeouts.startup())
                        + (pod.message() != null ? ": " + pod.message() : ""), now, Action.DELETE_JOB);
            }
            // Only the scheduler's verdict is a capacity problem; a pod it has not looked at yet is not.
            String reason = pod.unschedulable() ? Reasons.WAITING_FOR_CAPACITY
                    : !pod.bound() ? Reasons.SCHEDULING
                    : pod.waitingReason() != null ? pod.waitingReason() : Reasons.CONTAINER_CREATING;
            String message = pod.message() != null || pod.bound() ? pod.message() : "the pod waits for the scheduler";
            return starting(s, reason, message, pod.created().plus(timeouts.startup()));
        }
        s.phase = StagePhase.Running;
        if (s.startTime == null) {
            s.startTime = Timestamps.format(pod.runningSince() != null ? pod.runningSince() : now);
        }
        s.reason = Reasons.RUNNING;
        s.message = "attempt " + s.attempt + ", " + s.retries + " retries, " + s.interruptions + " interruptions";
        Instant runningSince = pod.runningSince() != null ? pod.runningSince() : now;
        Instant deadline = runningSince.plus(timeouts.run());
        if (!now.isBefore(deadline)) {
            return failed(s, Reasons.RUN_TIMEOUT, "still running after " + Durations.format(timeouts.run()), now,
                    Action.DELETE_JOB);
        }
        return new Step(s, Action.NONE, deadline);
    }

    /**
     * A Starting stage asks for its Job until the API server refuses it for good or the startup
     * timeout since the request runs out; a Running stage whose Job vanished runs again.
     */
    private static Step withoutJob(StageStatus current, StageStatus s, JobObservation job, Timeouts timeouts,
            Instant now) {
        if (current.phase == StagePhase.Running) {
            return new Step(retry(current, Reasons.JOB_LOST,
                    "Job " + current.jobName + " was deleted while running; a new attempt starts").stage(),
                    Action.NONE, null);
        }
        if (job.refusal() != null && !job.refusal().waits()) {
            return failed(s, job.refusal().reason(), job.refusal().message(), now, Action.NONE);
        }
        Instant submitted = Timestamps.parse(current.submitTime);
        if (timedOut(submitted, timeouts.startup(), now)) {
            return failed(s, Reasons.STARTUP_TIMEOUT, "Job " + current.jobName + " was not created within "
                    + Durations.format(timeouts.startup())
                    + (Reasons.WAITING_FOR_QUOTA.equals(current.reason) ? ": " + current.message : ""), now,
                    Action.DELETE_JOB);
        }
        if (job.refusal() != null) {
            Instant retry = now.plus(QUOTA_RETRY);
            Instant deadline = submitted == null ? retry : submitted.plus(timeouts.startup());
            return starting(s, job.refusal().reason(), job.refusal().message(),
                    retry.isBefore(deadline) ? retry : deadline);
        }
        return new Step(s, Action.CREATE_JOB, submitted == null ? null : submitted.plus(timeouts.startup()));
    }

    /**
     * Retries and interruptions of the current Job, from what the operator has seen. A retry is a
     * pod that failed and was followed by another: while a pod runs (or the Job succeeded) every
     * failure counted so far was; when the Job has failed, its last failure was not; between pods
     * nobody knows yet, so the count stays. An interruption is a pod replaced without failing: the
     * recorded pod is no longer the newest and did not fail on its own (preemption, eviction and
     * drain delete the pod, so it is often gone by then). A TrainJob's group ({@link JobObservation#group})
     * has no controller count: its retries are counted as replacements of a rank-0 pod that failed on its own.
     */
    private static void countPods(StageStatus current, StageStatus s, JobObservation job) {
        String newest = job.newestPod();
        int sofar = count(current.retries);
        if (newest != null) {
            // what the recorded pod was seen to do stays known once it is gone (podFailed)
            boolean failedOnItsOwn = current.pod != null
                    && (job.failedPods().contains(current.pod) || Boolean.TRUE.equals(current.podFailed));
            if (current.pod != null && !current.pod.equals(newest)) {
                if (!failedOnItsOwn) {
                    s.interruptions = count(current.interruptions) + 1;
                } else if (job.group()) {
                    sofar++;
                }
            }
            s.pod = newest;
            s.podFailed = job.failedPods().contains(newest) ? Boolean.TRUE : null;
        }
        s.retries = job.group() ? sofar : switch (job.outcome()) {
            case FAILED -> Math.max(sofar, job.failed() - 1);
            case SUCCEEDED -> Math.max(sofar, job.failed());
            case NONE -> job.pod() != null ? Math.max(sofar, job.failed()) : sofar;
        };
        s.interruptions = count(s.interruptions);
    }

    private static boolean timedOut(Instant since, Duration timeout, Instant now) {
        return since != null && !now.isBefore(since.plus(timeout));
    }

    private static Step starting(StageStatus s, String reason, String message, Instant recheckAt) {
        s.phase = StagePhase.Starting;
        s.reason = reason;
        s.message = StageResults.truncate(message);
        return new Step(s, Action.NONE, recheckAt);
    }

    /** Exit 0 is success only with a result: the next stage needs it, so without one the fault is this stage's. */
    private static Step succeeded(StageStatus s, JobObservation job, Instant now) {
        StageOutputs outputs = StageResults.outputs(job.result());
        if (outputs == null) {
            String left = job.result() == null || job.result().isBlank() ? "nothing"
                    : "no readable JSON: " + job.result().strip();
            return failed(s, Reasons.NO_RESULT, "the worker exited 0 but wrote no result to its termination message ("
                    + left + ")", now, Action.NONE);
        }
        s.phase = StagePhase.Succeeded;
        s.reason = Reasons.COMPLETED;
        s.completionTime = Timestamps.format(now);
        if (s.startTime == null) {
            s.startTime = s.completionTime;
        }
        s.outputs = outputs;
        s.message = "completed at attempt " + s.attempt;
        return new Step(s, Action.NONE, null);
    }

    private static Step failed(StageStatus s, String reason, String message, Instant now, Action action) {
        s.phase = StagePhase.Failed;
        s.reason = reason;
        s.message = StageResults.truncate(message);
        s.completionTime = Timestamps.format(now);
        return new Step(s, action, null);
    }

    /** The worker's exit code names a permanent cause; otherwise the Job's own reason says what ended it. */
    private static String failureReason(JobObservation job) {
        Integer exit = job.exitCode();
        if (exit != null && exit == WorkerContract.EXIT_INVALID_INPUT) {
            return Reasons.INVALID_INPUT;
        }
        if (exit != null && exit == WorkerContract.EXIT_GATE_FAILED) {
            return Reasons.GATE_FAILED;
        }
        if (exit != null && exit == WorkerContract.EXIT_NON_FINITE) {
            return Reasons.NON_FINITE_LOSS;
        }
        return Reasons.K8S_BACKOFF_LIMIT_EXCEEDED.equals(job.jobReason()) ? Reasons.RETRIES_EXHAUSTED
                : Reasons.JOB_FAILED;
    }

    private static String failureMessage(JobObservation job) {
        String worker = StageResults.failureMessage(job.result());
        String counts = job.failed() + " failed pod(s)";
        Integer exit = job.exitCode();
        if (exit != null && exit == WorkerContract.EXIT_OUT_OF_MEMORY) {
            // -XX:+ExitOnOutOfMemoryError leaves no result; say what exit 3 means rather than leave a bare code
            return "the worker ran out of memory (exit " + exit + ")" + (worker != null ? ": " + worker : "")
                    + " (" + counts + ")";
        }
        if (worker != null) {
            return worker + " (" + counts + ")";
        }
        return "Job failed" + (job.jobReason() != null ? " (" + job.jobReason() + ")" : "") + ", " + counts;
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
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
        s.jobsCreated = o.jobsCreated;
        s.jobName = o.jobName;
        s.pod = o.pod;
        s.podFailed = o.podFailed;
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
