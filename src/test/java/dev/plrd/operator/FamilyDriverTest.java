package dev.plrd.operator;

import static dev.plrd.operator.Observations.failed;
import static dev.plrd.operator.Observations.noPod;
import static dev.plrd.operator.Observations.running;
import static dev.plrd.operator.Observations.succeeded;
import static dev.plrd.operator.Observations.withPod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.SchedulingSpec;
import dev.plrd.api.Specs;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import dev.plrd.api.Violation;
import dev.plrd.operator.FamilyDriver.JobRequest;
import dev.plrd.operator.FamilyDriver.Outcome;
import dev.plrd.operator.FamilyDriver.RequestKind;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The family driver stepped like reconciles: the test plays the Job controller through a map of
 * job name to {@link JobObservation}, and the clock.
 */
class FamilyDriverTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final Duration STARTUP = Duration.ofHours(1);
    private static final Duration RUN = Duration.ofHours(72);
    private static final StageStateMachine.Timeouts TIMEOUTS = new StageStateMachine.Timeouts(STARTUP, RUN);
    private static final BiFunction<PlannedStage, Integer, String> JOB_NAMES = (p, attempt) ->
            "fam-" + p.member() + "-" + p.stage().id() + "-" + p.fingerprint().substring(0, 5) + "-" + attempt;

    private ModelFamilySpec spec = Specs.family("m1", "5B", "m2", "3.1B");
    private long generation = 1;
    private ModelFamilyStatus status;
    private Instant now = T0;
    private final Map<String, JobObservation> jobs = new HashMap<>();
    /** Every Job the driver asked to create, in order. */
    private final List<String> created = new ArrayList<>();

    // ---- the harness ------------------------------------------------------------------------------------------

    private Outcome reconcile() {
        Outcome outcome = FamilyDriver.drive(new FamilyDriver.Inputs(spec, generation, status, Planner.plan(spec),
                name -> jobs.getOrDefault(name, JobObservation.ABSENT), JOB_NAMES, TIMEOUTS, now));
        status = outcome.status();
        outcome.requests().stream().filter(r -> r.kind() == RequestKind.CREATE_JOB).forEach(r -> created.add(r.jobName()));
        return outcome;
    }

    /** A spec edit: a new generation, as the API server records it. */
    private void edit(Runnable change) {
        change.run();
        generation++;
    }

    private void later(Duration d) {
        now = now.plus(d);
    }

    private StageStatus stage(String id) {
        return stageIn(status, id);
    }

    private static StageStatus stageIn(ModelFamilyStatus s, String id) {
        String[] parts = id.split("/");
        return s.members.stream().filter(m -> m.name.equals(parts[0])).flatMap(m -> m.stages.stream())
                .filter(st -> st.name.id().equals(parts[1])).findFirst()
                .orElseThrow(() -> new AssertionError("no stage " + id + " in status"));
    }

    private MemberStatus member(String name) {
        return status.members.stream().filter(m -> m.name.equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no member " + name + " in status"));
    }

    /** Every stage as id -> phase, in status order. */
    private Map<String, StagePhase> phases() {
        Map<String, StagePhase> out = new LinkedHashMap<>();
        status.members.forEach(m -> m.stages.forEach(s -> out.put(m.name + "/" + s.name.id(), s.phase)));
        return out;
    }

    private Condition condition(String type) {
        Condition c = Conditions.find(status.conditions, type);
        assertThat(c).as("condition %s", type).isNotNull();
        return c;
    }

    private void assertCondition(String type, boolean value, String reason) {
        Condition c = condition(type);
        assertThat(c.getStatus()).as("%s status", type).isEqualTo(value ? "True" : "False");
        assertThat(c.getReason()).as("%s reason", type).isEqualTo(reason);
        assertThat(c.getObservedGeneration()).as("%s observedGeneration", type).isEqualTo(generation);
    }

    /** What the stage's current Job shows from now on. */
    private void jobShows(String id, JobObservation observation) {
        jobs.put(stage(id).jobName, observation);
    }

    private void jobRuns(String id) {
        jobShows(id, withPod(now, running(now, now)));
    }

    private void jobSucceeds(String id) {
        jobShows(id, succeeded(now, resultOf(id)));
    }

    /** The worker's result for a stage, with values that tell members apart. */
    private static String resultOf(String id) {
        String member = id.split("/")[0];
        int k = Integer.parseInt(member.substring(1));
        return switch (StageName.valueOf(id.split("/")[1].toUpperCase())) {
            case DECOMPOSE -> "{\"uri\": \"/workspace/members/%s/decomposed\", \"parameters\": %d, \"ranks\": \"all:%d\"}"
                    .formatted(member, 6_000_000_000L - k * 1_000_000_000L, 4096 / k);
            case TRAIN -> "{\"uri\": \"/workspace/members/%s/trained\", \"loss\": %s}".formatted(member, 2.0 + k / 10.0);
            case EVALUATE -> "{\"perplexity\": %s, \"parentPerplexity\": 8.0}".formatted(8.0 + k);
            case PUBLISH -> "{\"uri\": \"%s:%s\", \"digest\": \"sha256:%s\"}".formatted(Specs.REPOSITORY, member,
                    "d".repeat(k));
        };
    }

    /** Lets the current stage's Job succeed and reconciles, until the family is done or {@code until} is current. */
    private Outcome runUntil(String until) {
        Outcome last = reconcile();
        for (int i = 0; i < 100 && !status.currentStage.isEmpty() && !status.currentStage.equals(until); i++) {
            later(Duration.ofMinutes(10));
            jobSucceeds(status.currentStage);
            last = reconcile();
        }
        assertThat(status.currentStage).isEqualTo(until);
        return last;
    }

    private Outcome runToCompletion() {
        return runUntil("");
    }

    private static List<String> describe(List<JobRequest> requests) {
        return requests.stream().map(r -> r.kind() + " " + r.jobName()).toList();
    }

    // ---- the tests --------------------------------------------------------------------------------------------

    @Test
    void aNewFamilyStartsItsFirstStageAndLeavesTheOthersPending() {
        Outcome outcome = reconcile();

        StageStatus first = stage("m1/decompose");
        assertThat(first.phase).isEqualTo(StagePhase.Starting);
        assertThat(first.attempt).isEqualTo(1);
        assertThat(first.jobName).startsWith("fam-m1-decompose-").endsWith("-1");
        assertThat(outcome.requests()).hasSize(1);
        JobRequest request = outcome.requests().get(0);
        assertThat(request.kind()).isEqualTo(RequestKind.CREATE_JOB);
        assertThat(request.jobName()).isEqualTo(first.jobName);
        assertThat(request.stage().id()).isEqualTo("m1/decompose");
        assertThat(request.stage()).isEqualTo(Planner.plan(spec).get(0));
        assertThat(outcome.recheckAt()).isNull();

        assertThat(phases()).containsExactly(
                Map.entry("m1/decompose", StagePhase.Starting), Map.entry("m1/train", StagePhase.Pending),
                Map.entry("m1/evaluate", StagePhase.Pending), Map.entry("m1/publish", StagePhase.Pending),
                Map.entry("m2/decompose", StagePhase.Pending), Map.entry("m2/train", StagePhase.Pending),
                Map.entry("m2/evaluate", StagePhase.Pending), Map.entry("m2/publish", StagePhase.Pending));
        assertThat(stage("m2/publish").reason).isEqualTo(Reasons.WAITING_FOR_PREVIOUS);
        assertThat(status.phase).isEqualTo("Running");
        assertThat(status.currentStage).isEqualTo("m1/decompose");
        assertThat(status.published).isEqualTo("0/2");
        assertThat(status.observedGeneration).isEqualTo(1L);
        assertCondition(Conditions.READY, false, Reasons.SUBMITTED);
        assertCondition(Conditions.PROGRESSING, true, Reasons.SUBMITTED);
        assertCondition(Conditions.DEGRADED, false, Reasons.NO_FAILURE);
        assertCondition(Conditions.SUSPENDED, false, Reasons.NOT_SUSPENDED);
        assertThat(condition(Conditions.PROGRESSING).getMessage()).startsWith("m1/decompose: ");
    }

    @Test
    void theObservedGenerationFollowsTheSpecsGeneration() {
        generation = 7;

        reconcile();

        assertThat(status.observedGeneration).isEqualTo(7L);
        assertThat(status.conditions).extracting(Condition::getObservedGeneration).containsOnly(7L);
    }

    @Test
    void aReconcileWithNothingNewChangesNothingAndRequestsNothing() {
        reconcile();
        jobShows("m1/decompose", noPod(now));
        reconcile();
        ModelFamilyStatus before = status;
        later(Duration.ofMinutes(1));

        Outcome outcome = reconcile();

        assertThat(outcome.requests()).isEmpty();
        assertThat(status).usingRecursiveComparison().isEqualTo(before);
    }

    @Test
    void theRecordedStatusIsNotModified() {
        reconcile();
        ModelFamilyStatus previous = status;
        jobSucceeds("m1/decompose");

        reconcile();

        assertThat(stageIn(previous, "m1/decompose").phase).isEqualTo(StagePhase.Starting);
        assertThat(stageIn(previous, "m1/train").phase).isEqualTo(StagePhase.Pending);
        assertThat(stage("m1/train").phase).isEqualTo(StagePhase.Starting);
    }

    @Test
    void aStageThatSucceedsStartsTheNextInTheSameReconcile() {
        reconcile();
        jobSucceeds("m1/decompose");

        Outcome outcome = reconcile();

        assertThat(stage("m1/decompose").phase).isEqualTo(StagePhase.Succeeded);
        assertThat(stage("m1/train").phase).isEqualTo(StagePhase.Starting);
        assertThat(describe(outcome.requests())).containsExactly("CREATE_JOB " + stage("m1/train").jobName);
        assertThat(outcome.requests().get(0).stage().id()).isEqualTo("m1/train");
        assertThat(status.currentStage).isEqualTo("m1/train");
        assertThat(member("m1").parameters).isEqualTo(5_000_000_000L);
        assertThat(member("m1").ranks).isEqualTo("all:4096");
        assertThat(member("m1").loss).isNull();
    }

    @Test
    void aFamilyWhoseStagesAllSucceedIsReadyWithEveryMembersResults() {
        Outcome last = runToCompletion();

        assertThat(phases().values()).containsOnly(StagePhase.Succeeded);
        assertThat(last.requests()).isEmpty();
        assertThat(last.recheckAt()).isNull();
        assertThat(status.phase).isEqualTo("Succeeded");
        assertThat(status.currentStage).isEmpty();
        assertThat(status.published).isEqualTo("2/2");
        assertCondition(Conditions.READY, true, Reasons.ALL_MEMBERS_PUBLISHED);
        assertThat(condition(Conditions.READY).getMessage()).isEqualTo("2 of 2 members published");
        assertCondition(Conditions.PROGRESSING, false, Reasons.COMPLETE);
        assertCondition(Conditions.DEGRADED, false, Reasons.NO_FAILURE);
        assertCondition(Conditions.SUSPENDED, false, Reasons.NOT_SUSPENDED);
        assertThat(status.members).extracting(m -> m.name, m -> m.parameters, m -> m.ranks, m -> m.loss,
                m -> m.perplexity, m -> m.artifact.uri, m -> m.artifact.digest).containsExactly(
                tuple("m1", 5_000_000_000L, "all:4096", 2.1, 9.0, Specs.REPOSITORY + ":m1", "sha256:d"),
                tuple("m2", 4_000_000_000L, "all:2048", 2.2, 10.0, Specs.REPOSITORY + ":m2", "sha256:dd"));
    }

    @Test
    void aFinishedFamilyNeverLooksAtItsJobsAgain() {
        runToCompletion();
        ModelFamilyStatus done = status;
        jobs.clear();
        later(Duration.ofDays(3));

        Outcome outcome = reconcile();

        assertThat(outcome.requests()).isEmpty();
        assertThat(status.members).usingRecursiveComparison().isEqualTo(done.members);
    }

    @Test
    void theStartupDeadlineOfTheCurrentStageIsWhenToLookAgain() {
        reconcile();
        Instant jobStarted = now.plusSeconds(2);
        jobShows("m1/decompose", noPod(jobStarted));
        later(Duration.ofSeconds(5));

        Outcome outcome = reconcile();

        assertThat(outcome.recheckAt()).isEqualTo(jobStarted.plus(STARTUP));
    }

    @Test
    void theRunDeadlineOfARunningStageIsWhenToLookAgain() {
        reconcile();
        jobRuns("m1/decompose");
        Instant runningSince = now;
        later(Duration.ofMinutes(1));

        Outcome outcome = reconcile();

        assertThat(stage("m1/decompose").phase).isEqualTo(StagePhase.Running);
        assertThat(outcome.recheckAt()).isEqualTo(runningSince.plus(RUN));
        assertCondition(Conditions.PROGRESSING, true, Reasons.RUNNING);
    }

    @Test
    void aStageTimedOutAtStartupFailsTheFamilyAndItsJobIsDeleted() {
        reconcile();
        jobShows("m1/decompose", noPod(now));
        String jobName = stage("m1/decompose").jobName;
        later(STARTUP);

        Outcome outcome = reconcile();

        assertThat(stage("m1/decompose").reason).isEqualTo(Reasons.STARTUP_TIMEOUT);
        assertThat(describe(outcome.requests())).containsExactly("DELETE_JOB " + jobName);
        assertThat(status.phase).isEqualTo("Failed");
    }

    @Test
    void aJobDeletedWhileRunningIsReplacedByANewAttemptInTheSameReconcile() {
        reconcile();
        jobRuns("m1/decompose");
        reconcile();
        String lost = stage("m1/decompose").jobName;
        jobs.remove(lost);

        Outcome outcome = reconcile();

        StageStatus s = stage("m1/decompose");
        assertThat(s.phase).isEqualTo(StagePhase.Starting);
        assertThat(s.attempt).isEqualTo(2);
        assertThat(s.jobName).isNotEqualTo(lost);
        assertThat(describe(outcome.requests())).containsExactly("CREATE_JOB " + s.jobName);
    }

    @Nested
    class Failure {
        private Outcome failTrain() {
            runUntil("m1/train");
            jobShows("m1/train", failed(now, "BackoffLimitExceeded", 1, "{\"error\": \"NaN loss at step 120\"}"));
            return reconcile();
        }

        @Test
        void aFailedStageStopsTheFamily() {
            Outcome outcome = failTrain();

            assertThat(stage("m1/train").phase).isEqualTo(StagePhase.Failed);
            assertThat(stage("m1/train").reason).isEqualTo(Reasons.RETRIES_EXHAUSTED);
            assertThat(outcome.requests()).isEmpty();
            assertThat(outcome.recheckAt()).isNull();
            assertThat(phases()).containsEntry("m1/decompose", StagePhase.Succeeded)
                    .containsEntry("m1/evaluate", StagePhase.Pending).containsEntry("m1/publish", StagePhase.Pending)
                    .containsEntry("m2/decompose", StagePhase.Pending).containsEntry("m2/publish", StagePhase.Pending);
            assertThat(status.phase).isEqualTo("Failed");
            assertThat(status.currentStage).isEqualTo("m1/train");
            assertCondition(Conditions.DEGRADED, true, Reasons.RETRIES_EXHAUSTED);
            assertThat(condition(Conditions.DEGRADED).getMessage()).startsWith("m1/train: NaN loss at step 120");
            assertCondition(Conditions.PROGRESSING, false, Reasons.STAGE_FAILED);
            assertCondition(Conditions.READY, false, Reasons.RETRIES_EXHAUSTED);
        }

        @Test
        void aFailedStageStaysFailedOnReconcilesOfTheSameGeneration() {
            failTrain();
            ModelFamilyStatus failed = status;
            later(Duration.ofHours(1));

            Outcome outcome = reconcile();

            assertThat(outcome.requests()).isEmpty();
            assertThat(stage("m1/train")).usingRecursiveComparison().isEqualTo(stageIn(failed, "m1/train"));
            assertThat(status.phase).isEqualTo("Failed");
        }

        @Test
        void aFailedStageIsRetriedOnceTheGenerationIncreases() {
            failTrain();
            String failedJob = stage("m1/train").jobName;
            StageStatus decompose = stage("m1/decompose");
            edit(() -> {
                spec.scheduling = new SchedulingSpec();
                spec.scheduling.retries = 5;
            });

            Outcome outcome = reconcile();

            StageStatus s = stage("m1/train");
            assertThat(s.phase).isEqualTo(StagePhase.Starting);
            assertThat(s.attempt).isEqualTo(2);
            assertThat(s.jobName).isNotEqualTo(failedJob);
            assertThat(describe(outcome.requests())).containsExactly("CREATE_JOB " + s.jobName);
            assertThat(stage("m1/decompose")).usingRecursiveComparison().isEqualTo(decompose);
            assertThat(status.phase).isEqualTo("Running");
            assertCondition(Conditions.DEGRADED, false, Reasons.NO_FAILURE);
            assertCondition(Conditions.PROGRESSING, true, Reasons.SUBMITTED);
        }

        @Test
        void theRetryResetsTheStageToPendingFirst() {
            failTrain();
            edit(() -> spec.suspend = true);

            Outcome outcome = reconcile();

            assertThat(stage("m1/train").phase).isEqualTo(StagePhase.Pending);
            assertThat(stage("m1/train").reason).isEqualTo(Reasons.RETRYING);
            assertThat(stage("m1/train").completionTime).isNull();
            assertThat(outcome.requests()).isEmpty();
        }
    }

    @Nested
    class SuspendAndResume {
        private String suspendedJob;

        /** m1/decompose done, m1/train running, then spec.suspend. */
        private Outcome suspendDuringTrain() {
            runUntil("m1/train");
            jobRuns("m1/train");
            reconcile();
            suspendedJob = stage("m1/train").jobName;
            edit(() -> spec.suspend = true);
            later(Duration.ofMinutes(30));
            return reconcile();
        }

        @Test
        void suspendingStopsTheActiveStageAndDeletesItsJob() {
            Outcome outcome = suspendDuringTrain();

            assertThat(stage("m1/train").phase).isEqualTo(StagePhase.Suspended);
            assertThat(describe(outcome.requests())).containsExactly("DELETE_JOB " + suspendedJob);
            assertThat(outcome.requests().get(0).stage().id()).isEqualTo("m1/train");
            assertThat(outcome.recheckAt()).isNull();
            assertThat(stage("m1/decompose").phase).isEqualTo(StagePhase.Succeeded);
            assertThat(status.phase).isEqualTo("Suspended");
            assertCondition(Conditions.SUSPENDED, true, Reasons.SUSPENDED_BY_SPEC);
            assertThat(condition(Conditions.SUSPENDED).getMessage()).startsWith("m1/train: ").contains(suspendedJob);
            assertCondition(Conditions.PROGRESSING, false, Reasons.SUSPENDED);
            assertCondition(Conditions.DEGRADED, false, Reasons.NO_FAILURE);
            assertCondition(Conditions.READY, false, Reasons.SUSPENDED);
        }

        @Test
        void aSuspendedFamilyStaysStillOnLaterReconciles() {
            suspendDuringTrain();
            ModelFamilyStatus suspended = status;
            later(Duration.ofDays(2));

            Outcome outcome = reconcile();

            assertThat(outcome.requests()).isEmpty();
            assertThat(status).usingRecursiveComparison().isEqualTo(suspended);
        }

        @Test
        void resumingStartsANewAttemptOfTheSameStage() {
            suspendDuringTrain();
            StageStatus decompose = stage("m1/decompose");
            edit(() -> spec.suspend = false);

            Outcome outcome = reconcile();

            StageStatus train = stage("m1/train");
            assertThat(train.phase).isEqualTo(StagePhase.Starting);
            assertThat(train.attempt).isEqualTo(2);
            assertThat(train.jobName).isNotEqualTo(suspendedJob).endsWith("-2");
            assertThat(describe(outcome.requests())).containsExactly("CREATE_JOB " + train.jobName);
            assertThat(stage("m1/decompose")).usingRecursiveComparison().isEqualTo(decompose);
            assertThat(status.phase).isEqualTo("Running");
            assertCondition(Conditions.SUSPENDED, false, Reasons.NOT_SUSPENDED);
            assertCondition(Conditions.PROGRESSING, true, Reasons.SUBMITTED);
        }

        @Test
        void aFamilySuspendedBeforeAnythingRanStartsNothing() {
            spec.suspend = true;

            Outcome outcome = reconcile();

            assertThat(outcome.requests()).isEmpty();
            assertThat(phases().values()).containsOnly(StagePhase.Pending);
            assertThat(status.phase).isEqualTo("Suspended");
            assertCondition(Conditions.SUSPENDED, true, Reasons.SUSPENDED_BY_SPEC);
            assertThat(condition(Conditions.SUSPENDED).getMessage()).isEqualTo("no stage was running");
        }
    }

    @Nested
    class Replanning {
        private ModelFamilyStatus before;

        private void completeThenEdit(Runnable change) {
            runToCompletion();
            before = status;
            edit(change);
            later(Duration.ofMinutes(5));
        }

        private void assertKept(String... ids) {
            for (String id : ids) {
                assertThat(stage(id)).as(id).usingRecursiveComparison().isEqualTo(stageIn(before, id));
            }
        }

        private void assertReset(String... ids) {
            for (String id : ids) {
                StageStatus s = stage(id);
                assertThat(s.phase).as(id).isEqualTo(StagePhase.Pending);
                assertThat(s.reason).as(id).isEqualTo(Reasons.INPUTS_CHANGED);
                assertThat(s.outputs).as(id).isNull();
                // nothing of the old run is shown as if it were this one's
                assertThat(s.attempt).as(id).isZero();
                assertThat(s.jobName).as(id).isNull();
                assertThat(s.submitTime).as(id).isNull();
                assertThat(s.retries).as(id).isNull();
                assertThat(s.fingerprint).as(id).isNotEqualTo(stageIn(before, id).fingerprint);
            }
        }

        private void assertRestarted(String id) {
            StageStatus s = stage(id);
            assertThat(s.phase).as(id).isEqualTo(StagePhase.Starting);
            // a new run of the stage: its first attempt, under a name no earlier Job of the stage had
            assertThat(s.attempt).as(id).isEqualTo(1);
            assertThat(s.jobsCreated).as(id).isEqualTo(stageIn(before, id).jobsCreated + 1);
            assertThat(s.fingerprint).as(id).isNotEqualTo(stageIn(before, id).fingerprint);
            assertThat(s.jobName).as(id).isNotEqualTo(stageIn(before, id).jobName);
        }

        @Test
        void changingTheSecondMembersTokensRerunsItsTrainingAndWhatFollows() {
            completeThenEdit(() -> Specs.training(spec.members.get(1)).tokens = "2B");

            Outcome outcome = reconcile();

            assertKept("m1/decompose", "m1/train", "m1/evaluate", "m1/publish", "m2/decompose");
            assertRestarted("m2/train");
            assertReset("m2/evaluate", "m2/publish");
            assertThat(describe(outcome.requests())).containsExactly("CREATE_JOB " + stage("m2/train").jobName);
            assertThat(status.currentStage).isEqualTo("m2/train");
            assertThat(status.published).isEqualTo("1/2");
            assertThat(status.phase).isEqualTo("Running");
            assertThat(member("m1").artifact.uri).isEqualTo(Specs.REPOSITORY + ":m1");
            assertThat(member("m2").parameters).isEqualTo(4_000_000_000L);
            assertThat(member("m2").loss).isNull();
            assertThat(member("m2").artifact).isNull();
            assertCondition(Conditions.READY, false, Reasons.SUBMITTED);
        }

        @Test
        void changingTheFirstMembersTrainingRerunsEverythingDerivedFromIt() {
            completeThenEdit(() -> Specs.training(spec.members.get(0)).learningRate = 2e-4);

            reconcile();

            assertKept("m1/decompose");
            assertRestarted("m1/train");
            assertReset("m1/evaluate", "m1/publish", "m2/decompose", "m2/train", "m2/evaluate", "m2/publish");
            assertThat(status.published).isEqualTo("0/2");
        }

        @Test
        void aRunningStageWhoseInputsChangedHasItsJobDeletedAndStartsAgain() {
            runUntil("m2/train");
            jobRuns("m2/train");
            reconcile();
            before = status;
            String old = stage("m2/train").jobName;
            edit(() -> Specs.training(spec.members.get(1)).tokens = "2B");

            Outcome outcome = reconcile();

            assertRestarted("m2/train");
            assertThat(describe(outcome.requests())).containsExactly("DELETE_JOB " + old,
                    "CREATE_JOB " + stage("m2/train").jobName);
            assertThat(outcome.requests().get(0).stage().id()).isEqualTo("m2/train");
        }

        @Test
        void inputsChangedAndChangedBackNeverAskForAJobNameTwice() {
            String tokens = Specs.training(spec.members.get(1)).tokens;
            completeThenEdit(() -> Specs.training(spec.members.get(1)).tokens = "2B");
            runToCompletion();
            edit(() -> Specs.training(spec.members.get(1)).tokens = tokens);

            runToCompletion();

            assertThat(stage("m2/train").fingerprint).isEqualTo(stageIn(before, "m2/train").fingerprint);
            assertThat(created).hasSize(8 + 3 + 3).doesNotHaveDuplicates();
        }

        @Test
        void aRemovedMembersActiveJobIsDeletedAndTheMemberLeavesTheStatus() {
            spec = Specs.family("m1", "5B", "m2", "4B", "m3", "3B");
            runUntil("m3/decompose");
            jobRuns("m3/decompose");
            reconcile();
            String orphan = stage("m3/decompose").jobName;
            edit(() -> spec.members.remove(2));

            Outcome outcome = reconcile();

            assertThat(describe(outcome.requests())).containsExactly("DELETE_JOB " + orphan);
            assertThat(outcome.requests().get(0).stage()).isNull();
            assertThat(status.members).extracting(m -> m.name).containsExactly("m1", "m2");
            assertThat(status.published).isEqualTo("2/2");
            assertThat(status.phase).isEqualTo("Succeeded");
            assertCondition(Conditions.READY, true, Reasons.ALL_MEMBERS_PUBLISHED);
        }

        @Test
        void aSpecChangeThatLeavesEveryFingerprintAloneRerunsNothing() {
            completeThenEdit(() -> Specs.training(spec.members.get(1)).tokens = "1000M");

            Outcome outcome = reconcile();

            assertThat(outcome.requests()).isEmpty();
            assertThat(status.members).usingRecursiveComparison().isEqualTo(before.members);
            assertThat(status.observedGeneration).isEqualTo(2L);
        }
    }

    @Nested
    class InvalidSpec {
        private final List<Violation> violations = List.of(
                new Violation("spec.members[1].targetParameters", "must be a positive count"),
                new Violation("spec.publish.repository", "must be an OCI repository"));

        @Test
        void anInvalidSpecIsDegradedWithTheViolationsAndTheStagesAreLeftAlone() {
            runUntil("m1/evaluate");
            ModelFamilyStatus before = status;
            later(Duration.ofMinutes(1));

            ModelFamilyStatus invalid = FamilyDriver.invalid(before, 2, violations, now);

            String message = "spec.members[1].targetParameters: must be a positive count (and 1 more: "
                    + "spec.publish.repository)";
            for (String type : List.of(Conditions.READY, Conditions.PROGRESSING, Conditions.DEGRADED)) {
                Condition c = Conditions.find(invalid.conditions, type);
                assertThat(c.getReason()).as(type).isEqualTo(Reasons.INVALID_SPEC);
                assertThat(c.getMessage()).as(type).isEqualTo(message);
                assertThat(c.getObservedGeneration()).as(type).isEqualTo(2L);
            }
            assertThat(Conditions.find(invalid.conditions, Conditions.DEGRADED).getStatus()).isEqualTo("True");
            assertThat(Conditions.find(invalid.conditions, Conditions.READY).getStatus()).isEqualTo("False");
            assertThat(Conditions.find(invalid.conditions, Conditions.PROGRESSING).getStatus()).isEqualTo("False");
            assertThat(invalid.phase).isEqualTo("Failed");
            assertThat(invalid.observedGeneration).isEqualTo(2L);
            assertThat(invalid.members).usingRecursiveComparison().isEqualTo(before.members);
            assertThat(invalid.currentStage).isEqualTo("m1/evaluate");
            assertThat(Conditions.find(before.conditions, Conditions.DEGRADED).getStatus()).isEqualTo("False");
        }

        @Test
        void aFamilyNeverSeenValidGetsConditionsAndNoMembers() {
            ModelFamilyStatus invalid = FamilyDriver.invalid(null, 1, violations.subList(0, 1), now);

            assertThat(invalid.members).isEmpty();
            assertThat(Conditions.find(invalid.conditions, Conditions.DEGRADED).getMessage())
                    .isEqualTo("spec.members[1].targetParameters: must be a positive count");
        }

        @Test
        void fixingTheSpecClearsDegraded() {
            reconcile();
            edit(() -> { });
            status = FamilyDriver.invalid(status, generation, violations, now);
            edit(() -> { });

            reconcile();

            assertCondition(Conditions.DEGRADED, false, Reasons.NO_FAILURE);
            assertCondition(Conditions.PROGRESSING, true, Reasons.SUBMITTED);
            assertThat(status.phase).isEqualTo("Running");
        }
    }

    @Nested
    class ConditionSemantics {
        private final List<Condition> conditions = new ArrayList<>();
        private final Instant t1 = T0.plusSeconds(60);
        private final Instant t2 = T0.plusSeconds(120);

        @Test
        void theTransitionTimeStaysWhileTheStatusDoesNotFlip() {
            Conditions.set(conditions, Conditions.READY, false, "Submitted", "a", 1, T0);
            Conditions.set(conditions, Conditions.READY, false, "Running", "b", 2, t1);

            assertThat(conditions).hasSize(1);
            Condition c = conditions.get(0);
            assertThat(c.getLastTransitionTime()).isEqualTo("2025-03-01T10:00:00Z");
            assertThat(c.getReason()).isEqualTo(Reasons.RUNNING);
            assertThat(c.getMessage()).isEqualTo("b");
            assertThat(c.getObservedGeneration()).isEqualTo(2L);
        }

        @Test
        void theTransitionTimeMovesWhenTheStatusFlips() {
            Conditions.set(conditions, Conditions.READY, false, "Running", "", 1, T0);
            Conditions.set(conditions, Conditions.READY, true, Reasons.ALL_MEMBERS_PUBLISHED, "", 1, t1);
            Conditions.set(conditions, Conditions.READY, false, "Submitted", "", 2, t2);

            Condition c = Conditions.find(conditions, Conditions.READY);
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getLastTransitionTime()).isEqualTo("2025-03-01T10:02:00Z");
        }

        @Test
        void conditionsAreKeyedByType() {
            Conditions.set(conditions, Conditions.READY, false, "r", "", 1, T0);
            Conditions.set(conditions, Conditions.DEGRADED, true, "d", "", 1, t1);

            assertThat(conditions).extracting(Condition::getType, Condition::getStatus)
                    .containsExactly(tuple("Ready", "False"), tuple("Degraded", "True"));
            assertThat(Conditions.find(conditions, Conditions.SUSPENDED)).isNull();
        }

        @Test
        void acrossReconcilesReadyKeepsItsTransitionTimeUntilTheFamilyIsDone() {
            reconcile();
            later(Duration.ofMinutes(1));
            jobRuns("m1/decompose");
            reconcile();
            assertThat(condition(Conditions.READY).getReason()).isEqualTo(Reasons.RUNNING);
            assertThat(condition(Conditions.READY).getLastTransitionTime()).isEqualTo(Timestamps.format(T0));

            runToCompletion();

            assertThat(condition(Conditions.READY).getLastTransitionTime()).isEqualTo(Timestamps.format(now))
                    .isNotEqualTo(Timestamps.format(T0));
            assertThat(condition(Conditions.DEGRADED).getLastTransitionTime()).isEqualTo(Timestamps.format(T0));
        }
    }
}
