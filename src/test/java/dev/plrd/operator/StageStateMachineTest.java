package dev.plrd.operator;

import static dev.plrd.operator.Observations.failed;
import static dev.plrd.operator.Observations.noPod;
import static dev.plrd.operator.Observations.notStarted;
import static dev.plrd.operator.Observations.queued;
import static dev.plrd.operator.Observations.running;
import static dev.plrd.operator.Observations.succeeded;
import static dev.plrd.operator.Observations.unscheduled;
import static dev.plrd.operator.Observations.waiting;
import static dev.plrd.operator.Observations.withCounts;
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
        assertThat(s.reason).isEqualTo(StageStateMachine.WAITING_FOR_PREVIOUS);
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
            assertThat(s.reason).isEqualTo(StageStateMachine.SUBMITTED);
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

            Step step = observe(current, JobObservation.ABSENT, at(Duration.ofHours(5)));

            assertThat(step.action()).isEqualTo(Action.CREATE_JOB);
            assertThat(step.recheckAt()).isNull();
            assertThat(step.stage()).usingRecursiveComparison().isEqualTo(current);
        }

        @Test
        void whileRunningTheStageGoesBackToPendingWithoutDeletingAnything() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));

            Step step = observe(current, JobObservation.ABSENT, at(Duration.ofHours(2)));

            assertThat(step.action()).isEqualTo(Action.NONE);
            StageStatus s = step.stage();
            assertThat(s.phase).isEqualTo(StagePhase.Pending);
            assertThat(s.reason).isEqualTo(StageStateMachine.JOB_LOST);
            assertThat(s.message).contains(jobName(1));
            assertThat(s.attempt).isEqualTo(1);
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

            assertStarting(step, StageStateMachine.QUEUED, null);
            assertThat(step.stage().message).contains("Kueue");
        }

        @Test
        void aRunningStageWhoseWorkloadKueuePreemptedIsQueuedAgainAndKeepsItsStartTime() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));

            Step step = observe(current, queued(T0), at(Duration.ofHours(10)));

            assertStarting(step, StageStateMachine.QUEUED, null);
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
            assertThat(step.stage().reason).isEqualTo(StageStateMachine.STARTUP_TIMEOUT);
            assertThat(step.action()).isEqualTo(Action.DELETE_JOB);
        }
    }

    @Nested
    class StartupWithoutPod {
        @Test
        void beforeTheDeadlineTheStageKeepsStartingAndRechecksAtTheDeadline() {
            StageStatus current = starting();

            Step step = observe(current, noPod(T0), at(STARTUP.minusSeconds(1)));

            assertStarting(step, StageStateMachine.SUBMITTED, T0.plus(STARTUP));
        }

        @ParameterizedTest
        @ValueSource(longs = {0, 1, 86400})
        void atOrAfterTheDeadlineTheStageFailsAndItsJobIsDeleted(long secondsPast) {
            Instant now = T0.plus(STARTUP).plusSeconds(secondsPast);

            Step step = observe(starting(), noPod(T0), now);

            assertFailed(step, StageStateMachine.STARTUP_TIMEOUT, Action.DELETE_JOB, now);
            assertThat(step.stage().message).contains("no pod started");
        }

        @Test
        void theWindowStartsWhenTheJobStartsNotWhenItWasRequested() {
            Instant jobStarted = at(Duration.ofMinutes(30));
            Instant now = at(Duration.ofMinutes(75));

            Step step = observe(starting(), noPod(jobStarted), now);

            assertStarting(step, StageStateMachine.SUBMITTED, jobStarted.plus(STARTUP));
        }

        @Test
        void aRunningStageBetweenPodsKeepsRunningWithoutAStartupDeadline() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));

            Step step = observe(current, withCounts(noPod(T0), 1, 0), at(Duration.ofHours(30)));

            assertThat(step.stage().phase).isEqualTo(StagePhase.Running);
            assertThat(step.action()).isEqualTo(Action.NONE);
            assertThat(step.recheckAt()).isNull();
            assertThat(step.stage().retries).isEqualTo(1);
        }

        @Test
        void aStartingStageBetweenRetriesIsNotTimedFromTheJobsCreation() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));
            current = observe(current, withCounts(withPod(T0, unscheduled(at(Duration.ofHours(5)), "0/4 nodes")), 0, 1),
                    at(Duration.ofHours(5))).stage();
            assertThat(current.phase).isEqualTo(StagePhase.Starting);

            Step step = observe(current, withCounts(noPod(T0), 1, 1), at(Duration.ofHours(5).plusMinutes(2)));

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

            assertStarting(step, StageStateMachine.WAITING_FOR_CAPACITY, podCreated.plus(STARTUP));
            assertThat(step.stage().message).isEqualTo(NO_GPU);
        }

        @Test
        void theStartupWindowOfAPodIsMeasuredFromThePodsCreation() {
            Instant podCreated = at(Duration.ofMinutes(30));
            JobObservation job = withPod(T0, unscheduled(podCreated, NO_GPU));

            Step stillWaiting = observe(starting(), job, podCreated.plus(STARTUP).minusSeconds(1));
            Instant deadline = podCreated.plus(STARTUP);
            Step timedOut = observe(starting(), job, deadline);

            assertStarting(stillWaiting, StageStateMachine.WAITING_FOR_CAPACITY, deadline);
            assertFailed(timedOut, StageStateMachine.STARTUP_TIMEOUT, Action.DELETE_JOB, deadline);
            assertThat(timedOut.stage().message).contains("pod not running").contains(NO_GPU);
        }

        @Test
        void aReplacementPodAfterADisruptionGetsItsOwnStartupWindow() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));
            Instant replacementCreated = at(Duration.ofHours(10));
            JobObservation job = withCounts(withPod(T0, unscheduled(replacementCreated, NO_GPU)), 0, 1);

            Step waiting = observe(current, job, replacementCreated.plus(Duration.ofMinutes(30)));
            Step timedOut = observe(waiting.stage(), job, replacementCreated.plus(STARTUP));

            assertStarting(waiting, StageStateMachine.WAITING_FOR_CAPACITY, replacementCreated.plus(STARTUP));
            assertThat(waiting.stage().interruptions).isEqualTo(1);
            assertThat(waiting.stage().retries).isZero();
            assertThat(waiting.stage().startTime).isEqualTo(current.startTime);
            assertFailed(timedOut, StageStateMachine.STARTUP_TIMEOUT, Action.DELETE_JOB,
                    replacementCreated.plus(STARTUP));
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

            assertStarting(step, StageStateMachine.CONTAINER_CREATING, podCreated.plus(STARTUP));
        }

        @ParameterizedTest
        @ValueSource(strings = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"})
        void imagePullErrorsFailAtOnceAndDeleteTheJob(String reason) {
            Instant podCreated = at(Duration.ofMinutes(2));
            Instant now = podCreated.plusSeconds(5);
            JobObservation job = withPod(T0, waiting(podCreated, reason, "registry.example.com/plrd:9 not found"));

            Step step = observe(starting(), job, now);

            assertFailed(step, StageStateMachine.IMAGE_PULL_FAILED, Action.DELETE_JOB, now);
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
            assertFailed(late, StageStateMachine.STARTUP_TIMEOUT, Action.DELETE_JOB, podCreated.plus(STARTUP));
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
            assertThat(s.reason).isEqualTo(StageStateMachine.RUNNING);
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

            Step step = observe(current, withCounts(withPod(T0, running(replacementSince, replacementSince)), 0, 1),
                    replacementSince.plusSeconds(30));

            assertThat(step.stage().startTime).isEqualTo("2025-03-01T10:05:00Z");
            assertThat(step.recheckAt()).isEqualTo(replacementSince.plus(RUN));
        }

        @Test
        void retriesAndInterruptionsAreCopiedFromTheObservation() {
            Instant since = at(Duration.ofMinutes(5));
            JobObservation job = withCounts(withPod(T0, running(T0, since)), 2, 3);

            StageStatus s = observe(starting(), job, since.plusSeconds(1)).stage();

            assertThat(s.retries).isEqualTo(2);
            assertThat(s.interruptions).isEqualTo(3);
            assertThat(s.message).contains("2 retries").contains("3 interruptions");
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

            assertFailed(step, StageStateMachine.RUN_TIMEOUT, Action.DELETE_JOB, deadline);
            assertThat(step.stage().message).contains("still running");
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
            assertThat(s.reason).isEqualTo(StageStateMachine.COMPLETED);
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
        void anUnreadableResultStillSucceedsWithoutOutputs(String result) {
            StageStatus s = observe(starting(), succeeded(T0, result), at(Duration.ofMinutes(3))).stage();

            assertThat(s.phase).isEqualTo(StagePhase.Succeeded);
            assertThat(s.outputs).isNull();
            assertThat(s.message).contains("no readable result");
        }
    }

    @Nested
    class Failed {
        @ParameterizedTest(name = "exit {0}, Job reason {1} -> {2}")
        @CsvSource(nullValues = "null", value = {
                "2, PodFailurePolicy, InvalidInput",
                "3, PodFailurePolicy, EvaluationGateFailed",
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
            JobObservation job = withCounts(failed(T0, "BackoffLimitExceeded", 1, null), 4, 0);

            StageStatus s = observe(starting(), job, T0).stage();

            assertThat(s.message).isEqualTo("Job failed (BackoffLimitExceeded), 4 failed pod(s)");
            assertThat(s.retries).isEqualTo(4);
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
            assertThat(s.reason).isEqualTo(StageStateMachine.SUSPENDED);
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

        private static void assertReset(Step step, StageStatus before) {
            StageStatus s = step.stage();
            assertThat(s.phase).isEqualTo(StagePhase.Pending);
            assertThat(s.fingerprint).isEqualTo("fedcba9876543210");
            assertThat(s.reason).isEqualTo(StageStateMachine.INPUTS_CHANGED);
            assertThat(s.message).isEqualTo("inputs changed");
            assertThat(s.outputs).isNull();
            assertThat(s.startTime).isNull();
            assertThat(s.completionTime).isNull();
            assertThat(s.attempt).isEqualTo(before.attempt);
            assertThat(s.jobName).isEqualTo(before.jobName);
            assertThat(s.name).isEqualTo(before.name);
        }

        private static Step reset(StageStatus s) {
            return StageStateMachine.reset(s, "fedcba9876543210", StageStateMachine.INPUTS_CHANGED, "inputs changed");
        }

        @Test
        void aStartingStageIsResetAndItsJobDeleted() {
            StageStatus current = starting();

            Step step = reset(current);

            assertThat(step.action()).isEqualTo(Action.DELETE_JOB);
            assertReset(step, current);
        }

        @Test
        void aRunningStageIsResetAndItsJobDeleted() {
            StageStatus current = runningSince(at(Duration.ofMinutes(5)));

            Step step = reset(current);

            assertThat(step.action()).isEqualTo(Action.DELETE_JOB);
            assertReset(step, current);
        }

        @ParameterizedTest
        @EnumSource(value = StagePhase.class, names = {"Succeeded", "Failed"})
        void aFinishedStageIsResetWithoutTouchingItsJob(StagePhase phase) {
            StageStatus current = finished(phase);
            assertThat(current.completionTime).isNotNull();

            Step step = reset(current);

            assertThat(step.action()).isEqualTo(Action.NONE);
            assertReset(step, current);
            assertThat(current.phase).isEqualTo(phase);
        }

        @Test
        void aPendingStageIsResetWithoutAnyAction() {
            Step step = reset(pending());

            assertThat(step.action()).isEqualTo(Action.NONE);
            assertThat(step.stage().attempt).isZero();
            assertThat(step.stage().fingerprint).isEqualTo("fedcba9876543210");
        }
    }
}
