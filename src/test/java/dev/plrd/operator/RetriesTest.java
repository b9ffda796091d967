package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.disrupted;
import static dev.plrd.operator.FakeJobController.PodScript.fail;
import static dev.plrd.operator.FakeJobController.PodScript.preempted;
import static dev.plrd.operator.FakeJobController.PodScript.succeed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** Retries count application failures only; exhausting them degrades the family. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class RetriesTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;

    @Test
    void failureIsRetriedThenExhaustedAndTheFamilyIsDegraded() {
        String ns = "retries-exhausted";
        // retries: 2 in the fixture, so the third failure ends the Job
        scripts.put("m5b/train", FakeJobController.Script.of(fail(1, "{\"error\":\"CUDA error: out of memory\"}"),
                fail(1, "{\"error\":\"CUDA error: out of memory\"}"), fail(1, "{\"error\":\"CUDA error: out of memory\"}")));
        FakeJobController controller = fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("True"));
        ModelFamily mf = get(client, ns, "fam");
        var train = stage(mf, "m5b", StageName.TRAIN);
        assertThat(train.phase).isEqualTo(StagePhase.Failed);
        assertThat(train.reason).isEqualTo(Reasons.RETRIES_EXHAUSTED);
        // three pods failed, the Job's final count; the last one was not followed by another, so 2 retries
        assertThat(train.retries).isEqualTo(2);
        assertThat(train.attempt).isEqualTo(1);
        assertThat(train.message).contains("CUDA error: out of memory").endsWith("(3 failed pod(s))");
        assertThat(condition(mf, "Degraded").getReason()).isEqualTo(Reasons.RETRIES_EXHAUSTED);
        assertThat(condition(mf, "Degraded").getMessage()).startsWith("m5b/train: ");
        assertThat(condition(mf, "Ready").getStatus()).isEqualTo("False");
        assertThat(condition(mf, "Progressing").getStatus()).isEqualTo("False");
        assertThat(mf.getStatus().phase).isEqualTo("Failed");
        assertThat(mf.getStatus().currentStage).isEqualTo("m5b/train");
        assertThat(stage(mf, "m5b", StageName.EVALUATE).phase).isEqualTo(StagePhase.Pending);
        // nothing after the failed stage was started
        assertThat(controller.jobsSeen()).hasSize(2);
    }

    @Test
    void preemptionDoesNotUseTheRetryBudget() {
        String ns = "retries-preempted";
        // three disruptions with a budget of two retries, then success: the Job must not fail
        scripts.put("m5b/train", FakeJobController.Script.of(disrupted(), disrupted(), disrupted(),
                succeed(result("m5b", "train"))));
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Succeeded));
        var train = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN);
        assertThat(train.interruptions).isEqualTo(3);
        assertThat(train.retries).isZero();
        assertThat(train.attempt).isEqualTo(1);
        assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("False");
    }

    @Test
    void preemptedPodsCountAsInterruptionsAfterTheSchedulerDeletedThem() {
        String ns = "retries-preempted-deleted";
        scripts.put("m5b/train", FakeJobController.Script.of(preempted(), preempted(), succeed(result("m5b", "train"))));
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Succeeded));
        var train = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN);
        assertThat(train.interruptions).isEqualTo(2);
        assertThat(train.retries).isZero();
        assertThat(client.pods().inNamespace(ns).withLabel(Labels.JOB, train.jobName).list().getItems()).hasSize(1);
        eventually(() -> assertThat(client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> Reasons.STAGE_INTERRUPTED.equals(e.getReason()))
                .mapToInt(e -> Integer.parseInt(e.getMessage().split(" ")[1])).sum()).isEqualTo(2));
    }

    @Test
    void aJvmOutOfMemoryIsRetriedAndSaidInWords() {
        String ns = "retries-oom";
        scripts.put("m5b/decompose", FakeJobController.Script.of(fail(3, null), fail(3, null), fail(3, null)));
        FakeJobController controller = fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).phase)
                .isEqualTo(StagePhase.Failed));
        var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
        assertThat(decompose.reason).isEqualTo(Reasons.RETRIES_EXHAUSTED);
        assertThat(decompose.retries).isEqualTo(2);
        assertThat(decompose.message).isEqualTo("the worker ran out of memory (exit 3) (3 failed pod(s))");
        assertThat(controller.jobsSeen()).hasSize(1);
    }

    @Test
    void invalidInputFailsWithoutRetrying() {
        String ns = "retries-permanent";
        scripts.put("m5b/decompose", FakeJobController.Script.of(
                fail(2, "{\"error\":\"config.json: architecture GPT2LMHeadModel is not supported\"}")));
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).phase)
                .isEqualTo(StagePhase.Failed));
        var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
        assertThat(decompose.reason).isEqualTo(Reasons.INVALID_INPUT);
        assertThat(decompose.retries).isZero();
        assertThat(decompose.message).contains("GPT2LMHeadModel").endsWith("(1 failed pod(s))");
    }
}
