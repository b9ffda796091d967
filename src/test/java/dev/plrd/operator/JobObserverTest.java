package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the operator reads from a Job and its pods, as the Job controller and the scheduler write them. */
class JobObserverTest {
    private static final String JOB = "fam-m1-train-abcde-1";

    private static Job job(int failed, JobCondition... conditions) {
        return new JobBuilder().withNewMetadata().withName(JOB).withCreationTimestamp("2025-03-01T10:00:00Z")
                .endMetadata().withNewSpec().endSpec()
                .withNewStatus().withFailed(failed).withStartTime("2025-03-01T10:00:00Z").withConditions(conditions)
                .endStatus().build();
    }

    private static JobCondition condition(String type, String reason) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).build();
    }

    private static Pod pod(String name, String created, String phase, Integer exitCode, PodCondition... conditions) {
        var worker = new ContainerStatusBuilder().withName("worker");
        if (exitCode != null) {
            worker.withState(new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode)
                    .withMessage("{\"error\": \"exit " + exitCode + "\"}").endTerminated().build());
        }
        return new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().withPhase(phase).withConditions(conditions)
                .withContainerStatuses(exitCode != null ? List.of(worker.build()) : List.of()).endStatus().build();
    }

    private static PodCondition podCondition(String type, String status, String reason, String message) {
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .build();
    }

    @Test
    void failureTargetIsNotYetTheEndOfTheJob() {
        Pod failedPod = pod("p3", "2025-03-01T10:03:00Z", "Failed", 1);

        JobObservation interim = JobObserver.observe(job(2, condition("FailureTarget", "BackoffLimitExceeded")),
                List.of(failedPod));
        JobObservation terminal = JobObserver.observe(job(3, condition("FailureTarget", "BackoffLimitExceeded"),
                condition("Failed", "BackoffLimitExceeded")), List.of(failedPod));

        assertThat(interim.outcome()).isEqualTo(JobObservation.Outcome.NONE);
        assertThat(terminal.outcome()).isEqualTo(JobObservation.Outcome.FAILED);
        assertThat(terminal.jobReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(terminal.failed()).isEqualTo(3);
    }

    @Test
    void successCriteriaMetIsNotYetTheEndOfTheJob() {
        Pod done = pod("p1", "2025-03-01T10:00:00Z", "Succeeded", 0);

        JobObservation interim = JobObserver.observe(job(0, condition("SuccessCriteriaMet", null)), List.of(done));
        JobObservation terminal = JobObserver.observe(job(0, condition("SuccessCriteriaMet", null),
                condition("Complete", null)), List.of(done));

        assertThat(interim.outcome()).isEqualTo(JobObservation.Outcome.NONE);
        assertThat(terminal.outcome()).isEqualTo(JobObservation.Outcome.SUCCEEDED);
        assertThat(terminal.exitCode()).isZero();
    }

    @Test
    void theNewestPodAndThePodsThatFailedOnTheirOwnAreNamed() {
        Pod failedOnItsOwn = pod("p1", "2025-03-01T10:00:00Z", "Failed", 1);
        Pod preempted = pod("p2", "2025-03-01T10:01:00Z", "Failed", 137,
                podCondition("DisruptionTarget", "True", "PreemptionByScheduler", null));
        Pod current = pod("p3", "2025-03-01T10:02:00Z", "Running", null);

        JobObservation o = JobObserver.observe(job(1), List.of(preempted, current, failedOnItsOwn));

        assertThat(o.newestPod()).isEqualTo("p3");
        assertThat(o.failedPods()).containsExactly("p1");
        assertThat(o.pod().running()).isTrue();
    }

    @Test
    void onlyTheSchedulersUnschedulableVerdictIsACapacityProblem() {
        Pod undecided = pod("p1", "2025-03-01T10:00:00Z", "Pending", null);
        Pod unschedulable = pod("p1", "2025-03-01T10:00:00Z", "Pending", null,
                podCondition("PodScheduled", "False", "Unschedulable", "0/3 nodes are available"));
        Pod gated = pod("p1", "2025-03-01T10:00:00Z", "Pending", null,
                podCondition("PodScheduled", "False", "SchedulingGated", "Scheduling is blocked due to gates"));
        Pod bound = pod("p1", "2025-03-01T10:00:00Z", "Pending", null,
                podCondition("PodScheduled", "True", null, null));

        JobObservation.PodView a = JobObserver.observe(job(0), List.of(undecided)).pod();
        JobObservation.PodView b = JobObserver.observe(job(0), List.of(unschedulable)).pod();
        JobObservation.PodView c = JobObserver.observe(job(0), List.of(gated)).pod();
        JobObservation.PodView d = JobObserver.observe(job(0), List.of(bound)).pod();

        assertThat(a.bound()).isFalse();
        assertThat(a.unschedulable()).isFalse();
        assertThat(b.unschedulable()).isTrue();
        assertThat(b.message()).isEqualTo("0/3 nodes are available");
        assertThat(c.unschedulable()).isFalse();
        assertThat(c.message()).isEqualTo("Scheduling is blocked due to gates");
        assertThat(d.bound()).isTrue();
        assertThat(d.unschedulable()).isFalse();
    }
}
