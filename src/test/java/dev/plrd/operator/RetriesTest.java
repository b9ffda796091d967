package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.disrupted;
import static dev.plrd.operator.FakeJobController.PodScript.fail;
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
        assertThat(train.reason).isEqualTo("RetriesExhausted");
        assertThat(train.retries).isEqualTo(3);
        assertThat(train.attempt).isEqualTo(1);
        assertThat(train.message).contains("CUDA error: out of memory");
        assertThat(condition(mf, "Degraded").getReason()).isEqualTo("RetriesExhausted");
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
    void invalidInputFailsWithoutRetrying() {
        String ns = "retries-permanent";
        scripts.put("m5b/decompose", FakeJobController.Script.of(
                fail(2, "{\"error\":\"config.json: architecture GPT2LMHeadModel is not supported\"}")));
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).phase)
                .isEqualTo(StagePhase.Failed));
        var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
        assertThat(decompose.reason).isEqualTo("InvalidInput");
        assertThat(decompose.retries).isEqualTo(1);
        assertThat(decompose.message).contains("GPT2LMHeadModel");
    }
}
