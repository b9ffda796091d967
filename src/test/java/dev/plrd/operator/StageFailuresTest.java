package dev.plrd.operator;

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

/** A stage that ends badly says why, in its own words, and the stages after it do not start. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class StageFailuresTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;

    @Test
    void aWorkerThatExitsZeroWithoutAResultFailsItsOwnStage() {
        String ns = "failures-no-result";
        scripts.put("m5b/decompose", FakeJobController.Script.of(succeed("")));
        FakeJobController controller = fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("True"));
        ModelFamily mf = get(client, ns, "fam");
        var decompose = stage(mf, "m5b", StageName.DECOMPOSE);
        assertThat(decompose.phase).isEqualTo(StagePhase.Failed);
        assertThat(decompose.reason).isEqualTo(Reasons.NO_RESULT);
        assertThat(decompose.message).contains("wrote no result to its termination message");
        assertThat(condition(mf, "Degraded").getReason()).isEqualTo(Reasons.NO_RESULT);
        assertThat(stage(mf, "m5b", StageName.TRAIN).phase).isEqualTo(StagePhase.Pending);
        assertThat(controller.jobsSeen()).hasSize(1);
    }

    @Test
    void aNonFiniteLossFailsAtOnceWithItsOwnReason() {
        String ns = "failures-non-finite";
        scripts.put("m5b/train", FakeJobController.Script.of(
                fail(11, "{\"error\":\"model m5b: loss is NaN at step 1\"}"), succeed(result("m5b", "train"))));
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Failed));
        var train = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN);
        assertThat(train.reason).isEqualTo(Reasons.NON_FINITE_LOSS);
        assertThat(train.message).isEqualTo("model m5b: loss is NaN at step 1 (1 failed pod(s))");
        assertThat(train.retries).isZero();
        assertThat(client.pods().inNamespace(ns).withLabel(Labels.JOB, train.jobName).list().getItems()).hasSize(1);
    }
}
