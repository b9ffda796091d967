package dev.plrd.operator;

import static dev.plrd.operator.Observations.failed;
import static dev.plrd.operator.Observations.noPod;
import static dev.plrd.operator.Observations.notStarted;
import static dev.plrd.operator.Observations.queued;
import static dev.plrd.operator.Observations.running;
import static dev.plrd.operator.Observations.succeeded;
import static dev.plrd.operator.Observations.unscheduled;
import static dev.plrd.operator.Observations.waiting;
import static dev.plrd.operator.Observations.FIRST_POD;
import static dev.plrd.operator.Observations.newestPod;
import static dev.plrd.operator.Observations.unbound;
import static dev.plrd.operator.Observations.withFailed;
import static dev.plrd.operator.Observations.withPod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.api.StageName;
import dev.plrd.api.StageOutputs;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import dev.plrd.operator.StageStateMachine.Action;
import dev.plrd.operator.StageStateMachine.Step;
import dev.plrd.operator.StageStateMachine.Timeouts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class StageStateMachineTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final Duration STARTUP = Duration.ofHours(1);
    private static final Duration RUN = Duration.ofHours(72);
    private static final Timeouts TIMEOUTS = new Timeouts(STARTUP, RUN);
    private static final String FINGERPRINT = "0123456789abcdef";

    private static Instant at(Duration sinceT0) {
        return T0.plus(sinceT0);
    }

    private static String jobName(int attempt) {
        return "fam-m1-train-abcde-" + attempt;
    }

    private static StageStatus pending() {
        return StageStateMachine.pending(StageName.TRAIN, FINGERPRINT);
    }

    /** A stage whose first Job was requested at T0. */
    private static StageStatus starting() {
        return StageStateMachine.start(pending(), StageStateMachineTest::jobName, T0).stage();
    }

    /** A stage whose pod has been running since {@code since}, its Job created at T0. */
    private static StageStatus runningSince(Instant since) {
        Step step = observe(starting(), withPod(T0, running(T0, since)), since);
        assertThat(step.stage().phase).isEqualTo(StagePhase.Running);
        return step.stage();
    }

    private static StageStatus inPhase(StagePhase phase) {
        StageStatus s = starting();
        s.phase = phase;
        return s;
    }

    private static Step observe(StageStatus current, JobObservation job, Instant now) {
        return StageStateMachine.observe(current, job, TIMEOUTS, now);
    }

    private static void assertFailed(Step step, String reason, Action action, Instant now) {
        assertThat(step.stage().phase).isEqualTo(StagePhase.Failed);
        assertThat(step.stage().reason).isEqualTo(reason);
        assertThat(step.action()).isEqualTo(action);
        assertThat(step.stage().completionTime).isEqualTo(Timestamps.format(now));
        assertThat(step.recheckAt()).isNull();
    }

    private static void assertStarting(Step step, String reason, Instant recheckAt) {
        assertThat(step.stage().phase).isEqualTo(StagePhase.Starting);
        assertThat(step.stage().reason).isEqualTo(reason);
        assertThat(step.action()).isEqualTo(Action.NONE);
        assertThat(step.recheckAt()).isEqualTo(recheckAt);
    }

    @Test
    void aNewStageIsPendingWaitingForThePreviousOne() {
        StageStatus s = pending();

        assertThat(s.name).isEqualTo(StageName.TRAIN);
        assertThat(s.fingerprint).isEqualTo(FINGERPRINT);
        assertThat(s.phase).isEqualTo(StagePhase.Pending);
        assertThat(s.attempt).isZero();
        assertThat(s.reason).isEqualTo(Reasons.WAITING_FOR_PREVIOUS);
        assertThat(s.jobName).isNull();
    }

    @Nested
    class Start {
        @Test
        void fromPendingRecordsTheFirstAttemptsJobNameAndAsksForTheJob() {
            List<Integer> asked = new ArrayList<>();

            Step step = StageStateMachine.start(pending(), attempt -> {
                asked.add(attempt);
                return jobName(attempt);
            }, T0);

            assertThat(asked).containsExactly(1);
            assertThat(step.action()).isEqualTo(Action.CREATE_JOB);
            assertThat(step.recheckAt()).isNull();
            StageStatus s = step.stage();
            assertThat(s.phase).isEqualTo(StagePhase.Starting);
            assertThat(s.attempt).isEqualTo(1);
            assertThat(s.jobName).isEqualTo(jobName(1));
            assertThat(s.reason).isEqualTo(Reasons.SUBMITTED);
            assertThat(s.message).contains(jobName(1)).contains("attempt 1");
            assertThat(s.submitTime).isEqualTo("2025-03-01T10:00:00Z");
            assertThat(s.startTime).isNull();
            assertThat(s.completionTime).isNull();
            assertThat(s.retries).isZero();
            assertThat(s.interruptions).isZero();
            assertThat(s.fingerprint).isEqualTo(FINGERPRINT);
            assertThat(s.name).isEqualTo(StageName.TRAIN);
        }

        @Test
        void fromSuspendedStartsTheNextAttemptWithFreshTimesAndCounts() {
            StageStatus suspended = inPhase(StagePhase.Suspended);
            suspended.attempt = 2;
            suspended.jobName = jobName(2);
            suspended.submitTime = "2025-03-01T08:00:00Z";
            suspended.startTime = "2025-03-01T08:05:00Z";
            suspended.completionTime = "2025-03-01T09:00:00Z";
            suspended.retries = 2;
            suspended.interruptions = 1;
            suspended.outputs = new StageOutputs();
            Instant now = at(Duration.ofHours(3));

            Step step = StageStateMachine.start(suspended, StageStateMachineTest::jobName, now);

            assertThat(step.action()).isEqualTo(Action.CREATE_JOB);
            StageStatus s = step.stage();
            assertThat(s.phase).isEqualTo(StagePhase.Starting);
            assertThat(s.attempt).isEqualTo(3);
            assertThat(s.jobName).isEqualTo(jobName(3));
            assertThat(s.submitTime).isEqualTo(Timestamps.format(now));
            assertThat(s.startTime).isNull();
            assertThat(s.completionTime).isNull();
            assertThat(s.retries).isZero();
            assertThat(s.interruptions).isZero();
            assertThat(s.outputs).isNull();
        }

        @Test
        void leavesTheRecordedStatusUntouched() {
            StageStatus before = pending();

            StageStateMachine.start(before, StageStateMachineTest::jobName, T0);

            assertThat(before.phase).isEqualTo(StagePhase.Pending);
            assertThat(before.attempt).isZero();
            assertThat(before.jobName).isNull();
        }

        @ParameterizedTest
        @EnumSource(value = StagePhase.class, names = {"Starting", "Running", "Succeeded", "Failed"})
        void fromAnyOtherPhaseIsRefused(StagePhase phase) {
            StageStatus s = inPhase(phase);

            assertThatThrownBy(() -> StageStateMachine.start(s, StageStateMachineTest::jobName, T0))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("train").hasMessageContaining(phase.name());
        }
    }

    @Nested
    class JobMissing {
        @Test
        void whileStartingTheJobIsCreatedAgainAndNothingElseChanges() {
            StageStatus current = starting();

            Step step = observe(current, JobObservation.ABSENT, at(Duration.ofMinutes(5)));

            assertThat(step.action()).isEqualTo(Action.CREATE_JOB);
            assertThat(step.recheckAt()).isEqualTo(T0.plus(STARTUP));
            assertThat(step.stage()).usingRecursiveComparison().isEqualTo(current);
        }

        @Test
        void aJobNeverCreatedWithinTheStartupTimeoutFailsTheStage() {
            Instant deadline = T0.plus(STARTUP);

            Step step = observe(starting(), JobObservation.ABSENT, deadline);

            assertFailed(step, Reasons.STARTUP_TIMEOUT, Action.DELETE_JOB, deadline);
            assertThat(step.stage().message).isEqualTo("Job " + jobName(1) + " was not created within 1h");
        }

        @Test
        void aJobTheApiServerRefusedFailsTheStageWithTheServersReasonAtOnce() {
            String message = "the API server refused Job " + jobName(1) + " (422 Invalid), field "
                    + "spec.template.spec.nodeSelector: Invalid value: \"bad key\"";
            JobObservation refused = JobObservation.refused(new JobObservation.Refusal(Reasons.JOB_REJECTED, message));

            Step step = observe(starting(), refused, at(Duration.ofSeconds(1)));

            assertFailed(step, Reasons.JOB_REJECTED, Action.NONE, at(Duration.ofSeconds(1)));
            assertThat(step.stage().message).isEqualTo(message);
        }

        @Test
        void aCreateOverQuotaWaitsSayingSoAndIsSentAgainSoon() {
            String message = "the API server refused Job " + jobName(1) + " (403 Forbidden): jobs.batch is forbidden:"
                    + " exceeded quota: jobs, requested: count/jobs.batch=1";
            JobObservation overQuota = JobObservation.refused(
                    new JobObservation.Refusal(Reasons.WAITING_FOR_QUOTA, message));

            Step step = observe(starting(), overQuota, at(Duration.ofSeconds(1)));

            assertThat(step.stage().phase).isEqualTo(StagePhase.Starting);
            assertThat(step.stage().reason).isEqualTo(Reasons.WAITING_FOR_QUOTA);
            assertThat(step.stage().message).isEqualTo(message);
            assertThat(step.action()).isEqualTo(Action.NONE);
            assertThat(step.recheckAt()).isEqualTo(at(Duration.ofSeconds(1)).plus(StageStateMachine.QUOTA_RETRY));

            Step next = observe(step.stage(), JobObservation.ABSENT, at(Duration.ofSeconds(40)));
            assertThat(next.action()).isEqualTo(Action.CREATE_JOB);

            Step late = observe(step.stage(), JobObservation.ABSENT, T0.plus(STARTUP));
            assertFailed(late, Reasons.STARTUP_TIMEOUT, Action.DELETE_JOB, T0.plus(STARTUP));
            assertThat(late.stage().message).isEqualTo("Job " + jobName(1) + " was not created within 1h: " + message);
        }

        @Test
        void whileRunningTheStageGoesBackToPendingWithoutDeletingAnything() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));

            Step step = observe(current, JobObservation.ABSENT, at(Duration.ofHours(2)));

            assertThat(step.action()).isEqualTo(Action.NONE);
            StageStatus s = step.stage();
            assertThat(s.phase).isEqualTo(StagePhase.Pending);
            assertThat(s.reason).isEqualTo(Reasons.JOB_LOST);
            assertThat(s.message).contains(jobName(1));
            assertThat(s.attempt).isEqualTo(1);
            assertThat(s.jobName).isNull();
            assertThat(s.fingerprint).isEqualTo(FINGERPRINT);
            assertThat(s.startTime).isNull();
        }

        @ParameterizedTest
        @EnumSource(value = StagePhase.class, names = {"Pending", "Succeeded", "Failed", "Suspended"})
        void onlyActiveStagesLookAtTheirJob(StagePhase phase) {
            StageStatus s = inPhase(phase);

            assertThatThrownBy(() -> observe(s, JobObservation.ABSENT, T0))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Nested
    class Queued {
        @Test
        void aJobKueueHoldsIsQueuedWithoutAnyTimeoutHoweverLongItWaits() {
            Instant muchLater = at(Duration.ofDays(30));

            Step step = observe(starting(), queued(T0), muchLater);

            assertStarting(step, Reasons.QUEUED, null);
            assertThat(step.stage().message).contains("Kueue");
        }

        @Test
        void aRunningStageWhoseWorkloadKueuePreemptedIsQueuedAgainAndKeepsItsStartTime() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));

            Step step = observe(current, queued(T0), at(Duration.ofHours(10)));

            assertStarting(step, Reasons.QUEUED, null);
            assertThat(step.stage().startTime).isEqualTo(current.startTime);
        }

        @Test
        void timeQueuedInKueueDoesNotCountTowardsTheStartupTimeout() {
            StageStatus wasQueued = observe(starting(), queued(T0), at(Duration.ofHours(2))).stage();
            Instant admitted = at(Duration.ofHours(2));

            Step step = observe(wasQueued, noPod(admitted), admitted.plusSeconds(1));

            assertThat(step.stage().phase).isEqualTo(StagePhase.Starting);
            assertThat(step.action()).isEqualTo(Action.NONE);
            assertThat(step.recheckAt()).isEqualTo(admitted.plus(STARTUP));
        }

        @Test
        void aJobJustReleasedFromTheQueueWaitsForItsNewStartInsteadOfTimingOutFromItsCreation() {
            StageStatus wasQueued = observe(starting(), queued(T0), at(Duration.ofHours(2))).stage();

            Step step = observe(wasQueued, notStarted(T0), at(Duration.ofHours(2)));

            assertThat(step.stage().phase).isEqualTo(StagePhase.Starting);
            assertThat(step.action()).isEqualTo(Action.NONE);
            assertThat(step.recheckAt()).isNull();
        }

        @Test
        void aJobNeverQueuedAndNotYetStartedIsTimedFromItsCreation() {
            Step step = observe(starting(), notStarted(T0), at(STARTUP));

            assertThat(step.stage().phase).isEqualTo(StagePhase.Failed);
            assertThat(step.stage().reason).isEqualTo(Reasons.STARTUP_TIMEOUT);
            assertThat(step.action()).isEqualTo(Action.DELETE_JOB);
        }
    }

    @Nested
    class StartupWithoutPod {
        @Test
        void beforeTheDeadlineTheStageKeepsStartingAndRechecksAtTheDeadline() {
            StageStatus current = starting();

            Step step = observe(current, noPod(T0), at(STARTUP.minusSeconds(1)));

            assertStarting(step, Reasons.SUBMITTED, T0.plus(STARTUP));
        }

        @ParameterizedTest
        @ValueSource(longs = {0, 1, 86400})
        void atOrAfterTheDeadlineTheStageFailsAndItsJobIsDeleted(long secondsPast) {
            Instant now = T0.plus(STARTUP).plusSeconds(secondsPast);

            Step step = observe(starting(), noPod(T0), now);

            assertFailed(step, Reasons.STARTUP_TIMEOUT, Action.DELETE_JOB, now);
            assertThat(step.stage().message).isEqualTo("no pod started within 1h");
        }

        @Test
        void theWindowStartsWhenTheJobStartsNotWhenItWasRequested() {
            Instant jobStarted = at(Duration.ofMinutes(30));
            Instant now = at(Duration.ofMinutes(75));

            Step step = observe(starting(), noPod(jobStarted), now);

            assertStarting(step, Reasons.SUBMITTED, jobStarted.plus(STARTUP));
        }

        @Test
        void aRunningStageBetweenPodsKeepsRunningWithoutAStartupDeadline() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));

            Step step = observe(current, newestPod(withFailed(noPod(T0), 1), FIRST_POD, FIRST_POD),
                    at(Duration.ofHours(30)));

            assertThat(step.stage().phase).isEqualTo(StagePhase.Running);
            assertThat(step.action()).isEqualTo(Action.NONE);
            assertThat(step.recheckAt()).isNull();
            // whether another pod follows the failed one is not known yet: it is a retry only then
            assertThat(step.stage().retries).isZero();
        }

        @Test
        void aStartingStageBetweenRetriesIsNotTimedFromTheJobsCreation() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));
            current = observe(current, newestPod(withPod(T0, unscheduled(at(Duration.ofHours(5)), "0/4 nodes")), "pod-2"),
                    at(Duration.ofHours(5))).stage();
            assertThat(current.phase).isEqualTo(StagePhase.Starting);

            Step step = observe(current, newestPod(withFailed(noPod(T0), 1), "pod-2", "pod-2"),
                    at(Duration.ofHours(5).plusMinutes(2)));

            assertThat(step.stage().phase).isNotEqualTo(StagePhase.Failed);
            assertThat(step.action()).isEqualTo(Action.NONE);
        }
    }

    @Nested
    class PendingPod {
        private static final String NO_GPU = "0/12 nodes are available: 12 Insufficient nvidia.com/gpu.";

        @Test
        void anUnscheduledPodWaitsForCapacityWithTheSchedulersMessage() {
            Instant podCreated = at(Duration.ofMinutes(1));

            Step step = observe(starting(), withPod(T0, unscheduled(podCreated, NO_GPU)), at(Duration.ofMinutes(20)));

            assertStarting(step, Reasons.WAITING_FOR_CAPACITY, podCreated.plus(STARTUP));
            assertThat(step.stage().message).isEqualTo(NO_GPU);
        }

        @Test
        void theStartupWindowOfAPodIsMeasuredFromThePodsCreation() {
            Instant podCreated = at(Duration.ofMinutes(30));
            JobObservation job = withPod(T0, unscheduled(podCreated, NO_GPU));

            Step stillWaiting = observe(starting(), job, podCreated.plus(STARTUP).minusSeconds(1));
            Instant deadline = podCreated.plus(STARTUP);
            Step timedOut = observe(starting(), job, deadline);

            assertStarting(stillWaiting, Reasons.WAITING_FOR_CAPACITY, deadline);
            assertFailed(timedOut, Reasons.STARTUP_TIMEOUT, Action.DELETE_JOB, deadline);
            assertThat(timedOut.stage().message).isEqualTo("pod not running within 1h: " + NO_GPU);
        }

        @Test
        void aReplacementPodAfterADisruptionGetsItsOwnStartupWindow() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));
            Instant replacementCreated = at(Duration.ofHours(10));
            // the first pod was preempted, and the scheduler deleted it
            JobObservation job = newestPod(withPod(T0, unscheduled(replacementCreated, NO_GPU)), "pod-2");

            Step waiting = observe(current, job, replacementCreated.plus(Duration.ofMinutes(30)));
            Step timedOut = observe(waiting.stage(), job, replacementCreated.plus(STARTUP));

            assertStarting(waiting, Reasons.WAITING_FOR_CAPACITY, replacementCreated.plus(STARTUP));
            assertThat(waiting.stage().interruptions).isEqualTo(1);
            assertThat(waiting.stage().retries).isZero();
            assertThat(waiting.stage().startTime).isEqualTo(current.startTime);
            assertFailed(timedOut, Reasons.STARTUP_TIMEOUT, Action.DELETE_JOB,
                    replacementCreated.plus(STARTUP));
        }

        @Test
        void aPodTheSchedulerHasNotDecidedOnIsSchedulingNotWaitingForCapacity() {
            Instant podCreated = at(Duration.ofMinutes(1));

            Step step = observe(starting(), withPod(T0, unbound(podCreated)), at(Duration.ofMinutes(2)));

            assertStarting(step, Reasons.SCHEDULING, podCreated.plus(STARTUP));
            assertThat(step.stage().message).isEqualTo("the pod waits for the scheduler");
        }

        @Test
        void aScheduledPodShowsWhyItsContainerWaits() {
            Instant podCreated = at(Duration.ofMinutes(2));
            JobObservation job = withPod(T0, waiting(podCreated, "PodInitializing", "initialising"));

            Step step = observe(starting(), job, at(Duration.ofMinutes(3)));

            assertStarting(step, "PodInitializing", podCreated.plus(STARTUP));
            assertThat(step.stage().message).isEqualTo("initialising");
        }

        @Test
        void aScheduledPodWithoutAWaitingReasonIsCreatingItsContainer() {
            Instant podCreated = at(Duration.ofMinutes(2));

            Step step = observe(starting(), withPod(T0, waiting(podCreated, null, null)), at(Duration.ofMinutes(3)));

            assertStarting(step, Reasons.CONTAINER_CREATING, podCreated.plus(STARTUP));
        }

        @ParameterizedTest
        @ValueSource(strings = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"})
        void imagePullErrorsFailAtOnceAndDeleteTheJob(String reason) {
            Instant podCreated = at(Duration.ofMinutes(2));
            Instant now = podCreated.plusSeconds(5);
            JobObservation job = withPod(T0, waiting(podCreated, reason, "registry.example.com/plrd:9 not found"));

            Step step = observe(starting(), job, now);

            assertFailed(step, Reasons.IMAGE_PULL_FAILED, Action.DELETE_JOB, now);
            assertThat(step.stage().message).isEqualTo(reason + ": registry.example.com/plrd:9 not found");
        }

        @Test
        void aMissingSecretIsNotFailFastItWaitsForTheStartupTimeout() {
            Instant podCreated = at(Duration.ofMinutes(2));
            JobObservation job = withPod(T0, waiting(podCreated, "CreateContainerConfigError",
                    "secret \"hf-token\" not found"));

            Step early = observe(starting(), job, podCreated.plus(Duration.ofMinutes(10)));
            Step late = observe(early.stage(), job, podCreated.plus(STARTUP));

            assertStarting(early, "CreateContainerConfigError", podCreated.plus(STARTUP));
            assertThat(early.stage().message).contains("hf-token");
            assertFailed(late, Reasons.STARTUP_TIMEOUT, Action.DELETE_JOB, podCreated.plus(STARTUP));
        }
    }

    @Nested
    class RunningPod {
        @Test
        void aRunningPodMakesTheStageRunningUntilTheRunDeadline() {
            Instant since = at(Duration.ofMinutes(5));

            Step step = observe(starting(), withPod(T0, running(T0, since)), at(Duration.ofMinutes(6)));

            assertThat(step.action()).isEqualTo(Action.NONE);
            assertThat(step.recheckAt()).isEqualTo(since.plus(RUN));
            StageStatus s = step.stage();
            assertThat(s.phase).isEqualTo(StagePhase.Running);
            assertThat(s.reason).isEqualTo(Reasons.RUNNING);
            assertThat(s.startTime).isEqualTo("2025-03-01T10:05:00Z");
            assertThat(s.message).contains("attempt 1");
        }

        @Test
        void withoutAContainerStartTimeTheObservationTimeIsUsed() {
            Instant now = at(Duration.ofMinutes(7));

            Step step = observe(starting(), withPod(T0, running(T0, null)), now);

            assertThat(step.stage().startTime).isEqualTo(Timestamps.format(now));
            assertThat(step.recheckAt()).isEqualTo(now.plus(RUN));
        }

        @Test
        void theStartTimeIsSetOnceAndKeptAcrossReplacementPods() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));
            Instant replacementSince = at(Duration.ofHours(10));

            Step step = observe(current, newestPod(withPod(T0, running(replacementSince, replacementSince)), "pod-2"),
                    replacementSince.plusSeconds(30));

            assertThat(step.stage().startTime).isEqualTo("2025-03-01T10:05:00Z");
            assertThat(step.recheckAt()).isEqualTo(replacementSince.plus(RUN));
        }

        @Test
        void justBeforeTheRunDeadlineItKeepsRunning() {
            Instant since = at(Duration.ofMinutes(5));
            StageStatus current = runningSince(since);

            Step step = observe(current, withPod(T0, running(T0, since)), since.plus(RUN).minusSeconds(1));

            assertThat(step.stage().phase).isEqualTo(StagePhase.Running);
            assertThat(step.action()).isEqualTo(Action.NONE);
        }

        @Test
        void atTheRunDeadlineTheStageFailsAndItsJobIsDeleted() {
            Instant since = at(Duration.ofMinutes(5));
            Instant deadline = since.plus(RUN);

            Step step = observe(runningSince(since), withPod(T0, running(T0, since)), deadline);

            assertFailed(step, Reasons.RUN_TIMEOUT, Action.DELETE_JOB, deadline);
            assertThat(step.stage().message).isEqualTo("still running after 72h");
        }
    }

    @Nested
    class Succeeded {
        private static final String RESULT = """
                {"uri": "/workspace/members/m1/trained", "parameters": 3100000000,
                 "ranks": "q,k,v,o:1024 gate,up,down:2048", "loss": 2.25, "perplexity": 9.5,
                 "parentPerplexity": 8.75, "tokens": 1000000000, "digest": "sha256:abc123",
                 "seconds": 3600.5, "somethingNew": {"nested": [1, 2]}, "version": "2"}
                """;

        @Test
        void theWorkersResultBecomesTheStageOutputs() {
            Instant since = at(Duration.ofMinutes(5));
            Instant now = at(Duration.ofHours(2));

            Step step = observe(runningSince(since), succeeded(T0, RESULT), now);

            assertThat(step.action()).isEqualTo(Action.NONE);
            assertThat(step.recheckAt()).isNull();
            StageStatus s = step.stage();
            assertThat(s.phase).isEqualTo(StagePhase.Succeeded);
            assertThat(s.reason).isEqualTo(Reasons.COMPLETED);
            assertThat(s.message).isEqualTo("completed at attempt 1");
            assertThat(s.startTime).isEqualTo("2025-03-01T10:05:00Z");
            assertThat(s.completionTime).isEqualTo("2025-03-01T12:00:00Z");
            StageOutputs o = s.outputs;
            assertThat(o.uri).isEqualTo("/workspace/members/m1/trained");
            assertThat(o.parameters).isEqualTo(3_100_000_000L);
            assertThat(o.ranks).isEqualTo("q,k,v,o:1024 gate,up,down:2048");
            assertThat(o.loss).isEqualTo(2.25);
            assertThat(o.perplexity).isEqualTo(9.5);
            assertThat(o.parentPerplexity).isEqualTo(8.75);
            assertThat(o.tokens).isEqualTo(1_000_000_000L);
            assertThat(o.digest).isEqualTo("sha256:abc123");
            assertThat(o.seconds).isEqualTo(3600.5);
        }

        @Test
        void aStageNeverSeenRunningStartsWhenItCompletes() {
            Instant now = at(Duration.ofMinutes(3));

            StageStatus s = observe(starting(), succeeded(T0, "{}"), now).stage();

            assertThat(s.phase).isEqualTo(StagePhase.Succeeded);
            assertThat(s.startTime).isEqualTo(Timestamps.format(now)).isEqualTo(s.completionTime);
            assertThat(s.outputs).isNotNull();
            assertThat(s.outputs.uri).isNull();
        }

        @ParameterizedTest
        @NullSource
        @ValueSource(strings = {"", "   ", "Traceback (most recent call last):", "[1, 2]",
                "{\"parameters\": \"many\"}", "{\"uri\": "})
        void aWorkerThatExitsZeroWithoutAResultFailsItsOwnStage(String result) {
            Instant now = at(Duration.ofMinutes(3));

            Step step = observe(starting(), succeeded(T0, result), now);

            assertFailed(step, Reasons.NO_RESULT, Action.NONE, now);
            assertThat(step.stage().outputs).isNull();
            assertThat(step.stage().message)
                    .startsWith("the worker exited 0 but wrote no result to its termination message");
        }
    }

    @Nested
    class Failed {
        @ParameterizedTest(name = "exit {0}, Job reason {1} -> {2}")
        @CsvSource(nullValues = "null", value = {
                "2, PodFailurePolicy, InvalidInput",
                "10, PodFailurePolicy, EvaluationGateFailed",
                "11, PodFailurePolicy, NonFiniteLoss",
                "3, BackoffLimitExceeded, RetriesExhausted",
                "2, BackoffLimitExceeded, InvalidInput",
                "1, BackoffLimitExceeded, RetriesExhausted",
                "null, BackoffLimitExceeded, RetriesExhausted",
                "1, DeadlineExceeded, JobFailed",
                "137, null, JobFailed",
                "null, null, JobFailed"})
        void theReasonComesFromTheExitCodeThenTheJobsReason(Integer exitCode, String jobReason, String expected) {
            Instant now = at(Duration.ofHours(1));

            Step step = observe(runningSince(at(Duration.ofMinutes(5))), failed(T0, jobReason, exitCode, null), now);

            assertFailed(step, expected, Action.NONE, now);
        }

        @Test
        void theWorkersErrorFieldBecomesTheMessage() {
            String result = "{\"error\": \"target 9B exceeds the parent's 7.2B parameters\", \"uri\": null}";

            StageStatus s = observe(starting(), failed(T0, "PodFailurePolicy", 2, result), T0).stage();

            assertThat(s.message).isEqualTo("target 9B exceeds the parent's 7.2B parameters (1 failed pod(s))");
        }

        @Test
        void withoutAResultTheMessageNamesTheJobsReasonAndFailedPods() {
            JobObservation job = withFailed(failed(T0, "BackoffLimitExceeded", 1, null), 4);

            StageStatus s = observe(starting(), job, T0).stage();

            assertThat(s.message).isEqualTo("Job failed (BackoffLimitExceeded), 4 failed pod(s)");
            assertThat(s.retries).isEqualTo(3);
        }

        @Test
        void aWorkerOutOfMemoryIsSaidInWordsAndRetriedLikeAnyFailure() {
            JobObservation job = withFailed(failed(T0, "BackoffLimitExceeded", 3, null), 3);

            StageStatus s = observe(starting(), job, T0).stage();

            assertThat(s.reason).isEqualTo(Reasons.RETRIES_EXHAUSTED);
            assertThat(s.message).isEqualTo("the worker ran out of memory (exit 3) (3 failed pod(s))");
            assertThat(s.retries).isEqualTo(2);
        }

        @Test
        void aShortLogTailIsKeptAsItIs() {
            String tail = "torch.OutOfMemoryError: CUDA out of memory.\n";

            StageStatus s = observe(starting(), failed(T0, "BackoffLimitExceeded", 1, tail), T0).stage();

            assertThat(s.message).isEqualTo("torch.OutOfMemoryError: CUDA out of memory. (1 failed pod(s))");
        }

        @Test
        void aLongLogTailKeepsItsEndWithinTheLimit() {
            String tail = "Traceback (most recent call last):\n" + "  File \"train.py\", line 1\n".repeat(200)
                    + "torch.OutOfMemoryError: CUDA out of memory";

            StageStatus s = observe(starting(), failed(T0, "BackoffLimitExceeded", 1, tail), T0).stage();

            assertThat(tail).hasSizeGreaterThan(StageResults.MAX_MESSAGE);
            assertThat(s.message).hasSizeLessThanOrEqualTo(StageResults.MAX_MESSAGE).startsWith("...")
                    .endsWith("torch.OutOfMemoryError: CUDA out of memory (1 failed pod(s))")
                    .doesNotContain("Traceback");
        }

        @Test
        void aLongWorkerErrorIsTruncatedToo() {
            String result = "{\"error\": \"" + "e".repeat(3000) + "\"}";

            StageStatus s = observe(starting(), failed(T0, "PodFailurePolicy", 2, result), T0).stage();

            assertThat(s.message).hasSizeLessThanOrEqualTo(StageResults.MAX_MESSAGE).startsWith("eeee");
        }
    }

    @Nested
    class Suspend {
        @ParameterizedTest
        @EnumSource(value = StagePhase.class, names = {"Starting", "Running"})
        void anActiveStageIsSuspendedAndItsJobDeleted(StagePhase phase) {
            StageStatus current = phase == StagePhase.Running ? runningSince(at(Duration.ofMinutes(5))) : starting();

            Step step = StageStateMachine.suspend(current, at(Duration.ofHours(1)));

            assertThat(step.action()).isEqualTo(Action.DELETE_JOB);
            assertThat(step.recheckAt()).isNull();
            StageStatus s = step.stage();
            assertThat(s.phase).isEqualTo(StagePhase.Suspended);
            assertThat(s.reason).isEqualTo(Reasons.SUSPENDED);
            assertThat(s.jobName).isEqualTo(jobName(1));
            assertThat(s.attempt).isEqualTo(1);
            assertThat(s.message).contains(jobName(1)).contains("attempt 1");
            assertThat(current.phase).isEqualTo(phase);
        }

        @ParameterizedTest
        @EnumSource(value = StagePhase.class, names = {"Pending", "Succeeded", "Failed", "Suspended"})
        void anInactiveStageCannotBeSuspended(StagePhase phase) {
            StageStatus s = inPhase(phase);

            assertThatThrownBy(() -> StageStateMachine.suspend(s, T0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(phase.name());
        }
    }

    @Nested
    class Reset {
        private StageStatus finished(StagePhase phase) {
            Instant since = at(Duration.ofMinutes(5));
            JobObservation job = phase == StagePhase.Succeeded
                    ? succeeded(T0, "{\"uri\": \"/workspace/members/m1/trained\", \"loss\": 2.0}")
                    : failed(T0, "BackoffLimitExceeded", 1, null);
            StageStatus s = observe(runningSince(since), job, at(Duration.ofHours(2))).stage();
            assertThat(s.phase).isEqualTo(phase);
            return s;
        }

        /** Nothing of the old run is left on the Pending stage but the Jobs it used up. */
        private static void assertNothingOfTheOldRun(StageStatus s, StageStatus before) {
            assertThat(s.phase).isEqualTo(StagePhase.Pending);
            assertThat(s.outputs).isNull();
            assertThat(s.jobName).isNull();
            assertThat(s.pod).isNull();
            assertThat(s.submitTime).isNull();
            assertThat(s.startTime).isNull();
            assertThat(s.completionTime).isNull();
            assertThat(s.retries).isNull();
            assertThat(s.interruptions).isNull();
            assertThat(s.jobsCreated).isEqualTo(before.attempt);
            assertThat(s.name).isEqualTo(before.name);
        }

        private static void assertRerun(Step step, StageStatus before) {
            StageStatus s = step.stage();
            assertNothingOfTheOldRun(s, before);
            assertThat(s.fingerprint).isEqualTo("fedcba9876543210");
            assertThat(s.reason).isEqualTo(Reasons.INPUTS_CHANGED);
            assertThat(s.message).isEqualTo("inputs changed");
            assertThat(s.attempt).isZero();
        }

        private static Step rerun(StageStatus s) {
            return StageStateMachine.rerun(s, "fedcba9876543210", Reasons.INPUTS_CHANGED, "inputs changed");
        }

        @Test
        void aStartingStageIsRerunAndItsJobDeleted() {
            StageStatus current = starting();

            Step step = rerun(current);

            assertThat(step.action()).isEqualTo(Action.DELETE_JOB);
            assertRerun(step, current);
        }

        @Test
        void aRunningStageIsRerunAndItsJobDeleted() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));

            Step step = rerun(current);

            assertThat(step.action()).isEqualTo(Action.DELETE_JOB);
            assertRerun(step, current);
        }

        @ParameterizedTest
        @EnumSource(value = StagePhase.class, names = {"Succeeded", "Failed"})
        void aFinishedStageIsRerunWithoutTouchingItsJob(StagePhase phase) {
            StageStatus current = finished(phase);
            assertThat(current.completionTime).isNotNull();

            Step step = rerun(current);

            assertThat(step.action()).isEqualTo(Action.NONE);
            assertRerun(step, current);
            assertThat(current.phase).isEqualTo(phase);
        }

        @Test
        void aPendingStageIsRerunWithoutAnyAction() {
            Step step = rerun(pending());

            assertThat(step.action()).isEqualTo(Action.NONE);
            assertThat(step.stage().attempt).isZero();
            assertThat(step.stage().fingerprint).isEqualTo("fedcba9876543210");
        }

        @Test
        void aRetryKeepsTheInputsAndTheAttemptButNothingElseOfTheFailedRun() {
            StageStatus current = finished(StagePhase.Failed);

            Step step = StageStateMachine.retry(current, Reasons.RETRYING, "retrying");

            assertThat(step.action()).isEqualTo(Action.NONE);
            assertNothingOfTheOldRun(step.stage(), current);
            assertThat(step.stage().attempt).isEqualTo(1);
            assertThat(step.stage().fingerprint).isEqualTo(FINGERPRINT);
            assertThat(step.stage().reason).isEqualTo(Reasons.RETRYING);
        }

        @Test
        void theFirstJobOfARerunGetsANameNoEarlierJobOfTheStageHad() {
            StageStatus first = finished(StagePhase.Succeeded);
            StageStatus second = StageStateMachine.start(rerun(first).stage(), StageStateMachineTest::jobName,
                    at(Duration.ofHours(3))).stage();
            // the inputs change back: the fingerprint, and so the name's hash, is the first run's again
            StageStatus back = StageStateMachine.rerun(second, FINGERPRINT, Reasons.INPUTS_CHANGED, "changed back")
                    .stage();

            StageStatus third = StageStateMachine.start(back, StageStateMachineTest::jobName, at(Duration.ofHours(4)))
                    .stage();

            assertThat(second.attempt).isEqualTo(1);
            assertThat(third.attempt).isEqualTo(1);
            assertThat(List.of(first.jobName, second.jobName, third.jobName)).doesNotHaveDuplicates();
            assertThat(third.jobsCreated).isEqualTo(3);
        }
    }

    /**
     * A retry is a pod that failed and was followed by another; an interruption is a pod replaced
     * without failing (preempted, evicted, drained), usually deleted by the time it is replaced.
     */
    @Nested
    class PodCounts {
        private final Instant since = at(Duration.ofMinutes(5));

        @Test
        void aPodDeletedByPreemptionAndReplacedIsAnInterruptionNotARetry() {
            StageStatus current = runningSince(since);
            assertThat(current.pod).isEqualTo(FIRST_POD);

            StageStatus s = observe(current, newestPod(withPod(T0, unscheduled(at(Duration.ofHours(1)), "0/4 nodes")),
                    "pod-2"), at(Duration.ofHours(1))).stage();

            assertThat(s.interruptions).isEqualTo(1);
            assertThat(s.retries).isZero();
            assertThat(s.pod).isEqualTo("pod-2");
        }

        @Test
        void aPodThatFailedOnItsOwnAndWasReplacedIsARetryNotAnInterruption() {
            StageStatus current = runningSince(since);
            Instant later = at(Duration.ofHours(1));

            StageStatus s = observe(current, newestPod(withFailed(withPod(T0, running(later, later)), 1), "pod-2",
                    FIRST_POD), later).stage();

            assertThat(s.retries).isEqualTo(1);
            assertThat(s.interruptions).isZero();
        }

        @Test
        void interruptionsAddUpAcrossReplacementsAndAreNotCountedTwice() {
            StageStatus s = runningSince(since);
            for (int n = 2; n <= 4; n++) {
                Instant t = at(Duration.ofHours(n));
                JobObservation replaced = newestPod(withPod(T0, running(t, t)), "pod-" + n);
                s = observe(s, replaced, t).stage();
                s = observe(s, replaced, t.plusSeconds(30)).stage();
            }

            assertThat(s.interruptions).isEqualTo(3);
            assertThat(s.retries).isZero();
            assertThat(s.message).contains("0 retries").contains("3 interruptions");
        }

        @Test
        void aPermanentExitOfTheFirstPodIsNoRetry() {
            StageStatus s = observe(runningSince(since), failed(T0, "PodFailurePolicy", 2, null), at(Duration.ofHours(1)))
                    .stage();

            assertThat(s.reason).isEqualTo(Reasons.INVALID_INPUT);
            assertThat(s.retries).isZero();
        }

        @Test
        void aJobThatSucceedsAfterFailuresCountsEveryFailureAsARetry() {
            StageStatus s = observe(runningSince(since), withFailed(succeeded(T0, "{\"uri\": \"/w\"}"), 2),
                    at(Duration.ofHours(1))).stage();

            assertThat(s.phase).isEqualTo(StagePhase.Succeeded);
            assertThat(s.retries).isEqualTo(2);
        }
    }
}
