package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the operator reads from a TrainJob and its node pods, as Trainer, JobSet, the scheduler and Kueue write them. */
class TrainJobObserverTest {
    private static GenericKubernetesResource trainJob(Boolean suspend, Map<String, Object>... conditions) {
        GenericKubernetesResource t = new GenericKubernetesResource();
        t.setApiVersion(TrainJobs.API_VERSION);
        t.setKind(TrainJobs.KIND);
        t.setMetadata(new ObjectMetaBuilder().withName("fam-m1-train-abcde-1")
                .withCreationTimestamp("2026-03-01T10:00:00Z").build());
        Map<String, Object> spec = new LinkedHashMap<>(Map.of("trainer", Map.of("numNodes", 2)));
        if (suspend != null) {
            spec.put("suspend", suspend);
        }
        t.setAdditionalProperty("spec", spec);
        t.setAdditionalProperty("status", Map.of("conditions", List.of(conditions)));
        return t;
    }

    private static Map<String, Object> condition(String type, String status, String reason, String time) {
        return Map.of("type", type, "status", status, "reason", reason, "lastTransitionTime", time);
    }

    /** A node pod of restart attempt {@code attempt}, node {@code index}. */
    private static PodBuilder pod(int attempt, int index, String created, String phase) {
        return new PodBuilder().withNewMetadata().withName("tj-node-0-" + index + "-a" + attempt)
                .withCreationTimestamp(created)
                .addToLabels(TrainJobs.RESTART_ATTEMPT_LABEL, Integer.toString(attempt))
                .addToLabels(TrainJobs.COMPLETION_INDEX_LABEL, Integer.toString(index)).endMetadata()
                .withNewSpec().endSpec().withNewStatus().withPhase(phase).endStatus();
    }

    private static Pod running(int attempt, int index, String created, String started) {
        return pod(attempt, index, created, "Running").editStatus()
                .addToConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("True").build())
                .addToContainerStatuses(node(new ContainerStateBuilder().withNewRunning().withStartedAt(started)
                        .endRunning().build()))
                .endStatus().build();
    }

    private static Pod unschedulable(int attempt, int index, String created) {
        return pod(attempt, index, created, "Pending").editStatus()
                .addToConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                        .withReason("Unschedulable").withMessage("0/4 nodes are available: 4 Insufficient nvidia.com/gpu")
                        .build())
                .endStatus().build();
    }

    private static Pod ended(int attempt, int index, String created, String phase, int exit, String message,
            boolean disrupted) {
        return ended(attempt, index, created, phase, exit, message, disrupted, null);
    }

    private static Pod ended(int attempt, int index, String created, String phase, int exit, String message,
            boolean disrupted, String finishedAt) {
        PodBuilder b = pod(attempt, index, created, phase).editStatus()
                .addToContainerStatuses(node(new ContainerStateBuilder().withNewTerminated().withExitCode(exit)
                        .withMessage(message).withFinishedAt(finishedAt).endTerminated().build()))
                .endStatus();
        if (disrupted) {
            b.editStatus().addToConditions(new PodConditionBuilder().withType("DisruptionTarget").withStatus("True")
                    .withReason("PreemptionByScheduler").build()).endStatus();
        }
        return b.build();
    }

    private static ContainerStatus node(io.fabric8.kubernetes.api.model.ContainerState state) {
        return new ContainerStatusBuilder().withName("node").withState(state).build();
    }

    @Test
    void noTrainJobIsAbsent() {
        assertThat(TrainJobObserver.observe(null, List.of())).isEqualTo(JobObservation.ABSENT);
    }

    @Test
    void queuedByKueueUntilAdmittedAndTheStartupWindowOpensAtAdmission() {
        JobObservation queued = TrainJobObserver.observe(trainJob(true,
                condition("Suspended", "True", "Suspended", "2026-03-01T10:00:01Z")), List.of());
        JobObservation admitted = TrainJobObserver.observe(trainJob(false,
                condition("Suspended", "False", "Resumed", "2026-03-01T10:30:00Z")), List.of());

        assertThat(queued.suspended()).isTrue();
        assertThat(queued.started()).isNull();
        assertThat(admitted.suspended()).isFalse();
        assertThat(admitted.started()).isEqualTo(Instant.parse("2026-03-01T10:30:00Z"));
        assertThat(TrainJobObserver.observe(trainJob(null), List.of()).started())
                .isEqualTo(Instant.parse("2026-03-01T10:00:00Z"));
    }

    @Test
    void oneNodeWithoutCapacityHoldsTheGroupAndIsNamed() {
        JobObservation o = TrainJobObserver.observe(trainJob(null), List.of(
                running(0, 0, "2026-03-01T10:00:05Z", "2026-03-01T10:01:00Z"),
                unschedulable(0, 1, "2026-03-01T10:00:06Z")));

        assertThat(o.pod().running()).isFalse();
        assertThat(o.pod().bound()).isFalse();
        assertThat(o.pod().unschedulable()).isTrue();
        assertThat(o.pod().message()).isEqualTo("node 1 of 2: 0/4 nodes are available: 4 Insufficient nvidia.com/gpu");
        assertThat(o.pod().created()).isEqualTo(Instant.parse("2026-03-01T10:00:05Z"));
        assertThat(o.newestPod()).isEqualTo("tj-node-0-0-a0");
    }

    @Test
    void theGroupRunsOnceEveryNodeRunsFromTheLastStart() {
        JobObservation one = TrainJobObserver.observe(trainJob(null), List.of(
                running(0, 0, "2026-03-01T10:00:05Z", "2026-03-01T10:01:00Z")));
        JobObservation both = TrainJobObserver.observe(trainJob(null), List.of(
                running(0, 0, "2026-03-01T10:00:05Z", "2026-03-01T10:01:00Z"),
                running(0, 1, "2026-03-01T10:00:05Z", "2026-03-01T10:02:00Z")));

        assertThat(one.pod().running()).isFalse();
        assertThat(both.pod().running()).isTrue();
        assertThat(both.pod().runningSince()).isEqualTo(Instant.parse("2026-03-01T10:02:00Z"));
    }

    @Test
    void rankZeroFailingAfterItsPeerWasPreemptedIsNotAFailureOfItsOwn() {
        JobObservation o = TrainJobObserver.observe(trainJob(null), List.of(
                ended(0, 0, "2026-03-01T10:00:05Z", "Failed", 1, "{\"error\":\"peer lost\"}", false),
                ended(0, 1, "2026-03-01T10:00:05Z", "Failed", 137, "", true),
                running(1, 0, "2026-03-01T10:10:00Z", "2026-03-01T10:11:00Z"),
                running(1, 1, "2026-03-01T10:10:00Z", "2026-03-01T10:11:00Z")));

        assertThat(o.failedPods()).isEmpty();
        assertThat(o.failed()).isZero();
        assertThat(o.newestPod()).isEqualTo("tj-node-0-0-a1");
        assertThat(o.pod().running()).isTrue();
    }

    @Test
    void aGroupThatFailedWithoutADisruptionFailedOnItsOwnOnceAsRankZeroCounts() {
        JobObservation o = TrainJobObserver.observe(trainJob(null), List.of(
                ended(0, 0, "2026-03-01T10:00:05Z", "Failed", 1, "{\"error\":\"CUDA error\"}", false),
                ended(0, 1, "2026-03-01T10:00:05Z", "Failed", 1, "{\"error\":\"peer lost\"}", false),
                running(1, 0, "2026-03-01T10:10:00Z", "2026-03-01T10:11:00Z")));

        assertThat(o.failedPods()).containsExactly("tj-node-0-0-a0");
        assertThat(o.failed()).isEqualTo(1);
    }

    @Test
    void rankZeroFailingAfterItsPeersPodWasDeletedIsNotAFailureOfItsOwn() {
        // a preempted pod is deleted, often before rank 0 notices its peer is gone
        JobObservation o = TrainJobObserver.observe(trainJob(null), List.of(
                ended(0, 0, "2026-03-01T10:00:05Z", "Failed", 1, "{\"error\":\"peer lost\"}", false)));

        assertThat(o.failedPods()).isEmpty();
    }

    @Test
    void rankZeroFailingAfterAPeerEndedFirstIsNotAFailureOfItsOwn() {
        JobObservation first = TrainJobObserver.observe(trainJob(null), List.of(
                ended(0, 0, "2026-03-01T10:00:05Z", "Failed", 1, "{}", false, "2026-03-01T10:07:00Z"),
                ended(0, 1, "2026-03-01T10:00:05Z", "Failed", 137, "", false, "2026-03-01T10:05:00Z")));
        JobObservation after = TrainJobObserver.observe(trainJob(null), List.of(
                ended(0, 0, "2026-03-01T10:00:05Z", "Failed", 1, "{}", false, "2026-03-01T10:05:00Z"),
                ended(0, 1, "2026-03-01T10:00:05Z", "Failed", 1, "{}", false, "2026-03-01T10:07:00Z")));

        assertThat(first.failedPods()).isEmpty();
        assertThat(after.failedPods()).containsExactly("tj-node-0-0-a0");
    }

    @Test
    void successReportsRankZerosResult() {
        JobObservation o = TrainJobObserver.observe(trainJob(null,
                condition("Complete", "True", "JobsCompleted", "2026-03-01T12:00:00Z")), List.of(
                ended(0, 1, "2026-03-01T10:00:05Z", "Succeeded", 0, "{\"node\":1}", false),
                ended(0, 0, "2026-03-01T10:00:05Z", "Succeeded", 0, "{\"loss\":2.25}", false)));

        assertThat(o.outcome()).isEqualTo(JobObservation.Outcome.SUCCEEDED);
        assertThat(o.exitCode()).isZero();
        assertThat(o.result()).isEqualTo("{\"loss\":2.25}");
    }

    @Test
    void aPermanentExitOfAnyNodeOfTheLastAttemptNamesTheFailure() {
        List<Pod> pods = new ArrayList<>(List.of(
                ended(0, 0, "2026-03-01T10:00:05Z", "Failed", 1, "{\"error\":\"collective failed\"}", false),
                ended(0, 1, "2026-03-01T10:00:05Z", "Failed", 2, "{\"error\":\"PET_NODE_RANK is missing\"}", false)));
        JobObservation o = TrainJobObserver.observe(trainJob(null,
                condition("Failed", "True", "FailedJobs", "2026-03-01T10:05:00Z")), pods);

        assertThat(o.outcome()).isEqualTo(JobObservation.Outcome.FAILED);
        assertThat(o.jobReason()).isEqualTo("FailedJobs");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.result()).contains("PET_NODE_RANK is missing");
    }
}
