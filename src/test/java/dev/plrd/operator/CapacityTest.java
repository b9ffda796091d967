package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.succeed;
import static dev.plrd.operator.FakeJobController.PodScript.unschedulable;
import static dev.plrd.operator.FakeJobController.PodScript.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Waiting for a GPU is not failure, until the startup timeout; a bad image fails at once. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class CapacityTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;

    @Test
    void pendingPodWaitsForCapacityThenTimesOut() {
        String ns = "capacity-timeout";
        scripts.put("m5b/decompose", FakeJobController.Script.of(unschedulable()));
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().scheduling.startupTimeout = "4s";
        client.resource(family).create();

        eventually(() -> {
            ModelFamily mf = get(client, ns, "fam");
            assertThat(stage(mf, "m5b", StageName.DECOMPOSE).reason).isEqualTo(Reasons.WAITING_FOR_CAPACITY);
            assertThat(condition(mf, "Ready").getReason()).isEqualTo(Reasons.WAITING_FOR_CAPACITY);
        });
        ModelFamily waiting = get(client, ns, "fam");
        assertThat(stage(waiting, "m5b", StageName.DECOMPOSE).phase).isEqualTo(StagePhase.Starting);
        assertThat(stage(waiting, "m5b", StageName.DECOMPOSE).message).contains("Insufficient nvidia.com/gpu");
        assertThat(condition(waiting, "Progressing").getStatus()).isEqualTo("True");
        assertThat(condition(waiting, "Degraded").getStatus()).isEqualTo("False");
        Instant sawWaiting = Instant.now();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).phase)
                .isEqualTo(StagePhase.Failed));
        ModelFamily mf = get(client, ns, "fam");
        assertThat(stage(mf, "m5b", StageName.DECOMPOSE).reason).isEqualTo(Reasons.STARTUP_TIMEOUT);
        assertThat(Duration.between(sawWaiting, Instant.now())).isLessThan(Duration.ofSeconds(30));
        assertThat(condition(mf, "Degraded").getReason()).isEqualTo(Reasons.STARTUP_TIMEOUT);
        // the Job that held (or waited for) a GPU node is gone
        eventually(() -> assertThat(jobs(client, ns)).isEmpty());
    }

    @Test
    void anUnschedulablePodHeldForManyReconcilesGivesOneEventForItsWait() throws InterruptedException {
        String ns = "capacity-events";
        scripts.put("m5b/decompose", FakeJobController.Script.of(unschedulable()));
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).reason)
                .isEqualTo(Reasons.WAITING_FOR_CAPACITY));
        String firstMessage = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).message;
        // the scheduler rewrites its verdict every tick: each rewrite is a reconcile and a new message
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).message)
                .isNotEqualTo(firstMessage));
        Thread.sleep(2_000);

        var events = client.v1().events().inNamespace(ns).list().getItems().stream()
                .map(e -> e.getReason() + " " + e.getMessage().split(" ")[0]).toList();
        assertThat(events).containsExactlyInAnyOrder("Submitted m5b/decompose", "WaitingForCapacity m5b/decompose");
    }

    @Test
    void imagePullErrorFailsFast() {
        String ns = "capacity-image";
        scripts.put("m5b/decompose", FakeJobController.Script.of(waiting("ImagePullBackOff")));
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).phase)
                .isEqualTo(StagePhase.Failed));
        var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
        assertThat(decompose.reason).isEqualTo(Reasons.IMAGE_PULL_FAILED);
        assertThat(decompose.message).startsWith("ImagePullBackOff");
        eventually(() -> assertThat(jobs(client, ns)).isEmpty());
    }

    @Test
    void kueueHoldsTheJobAsQueuedWithoutTimingOut() {
        String ns = "capacity-kueue";
        scripts.put("m5b/decompose", FakeJobController.Script.of(succeed(result("m5b", "decompose"))).queuedFor(100));
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().scheduling.queueName = "gpu-queue";
        family.getSpec().scheduling.startupTimeout = "2s";
        client.resource(family).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Ready").getReason()).isEqualTo(Reasons.QUEUED));
        // longer than the startup timeout: queueing in Kueue is not a startup failure
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).phase)
                .isEqualTo(StagePhase.Succeeded));
        var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
        assertThat(Duration.between(Instant.parse(decompose.submitTime), Instant.parse(decompose.completionTime)))
                .isGreaterThan(Duration.ofSeconds(2));
    }
}
