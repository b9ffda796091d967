package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.runForever;
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

/** spec.suspend stops the running stage; resuming continues that stage, not the whole family. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class SuspendResumeTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;

    @Test
    void suspendStopsTheRunningStageAndResumeContinuesIt() {
        String ns = "suspend";
        FakeJobController controller = fake(client, ns);
        scripts.put("m5b/train", FakeJobController.Script.of(runForever()));
        client.resource(Families.threeMembers("fam", ns)).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Running));
        String firstJob = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).jobName;

        client.resources(ModelFamily.class).inNamespace(ns).withName("fam").edit(f -> {
            f.getSpec().suspend = true;
            return f;
        });
        eventually(() -> {
            ModelFamily mf = get(client, ns, "fam");
            assertThat(stage(mf, "m5b", StageName.TRAIN).phase).isEqualTo(StagePhase.Suspended);
            assertThat(condition(mf, "Suspended").getStatus()).isEqualTo("True");
            assertThat(jobs(client, ns)).extracting(j -> j.getMetadata().getName()).doesNotContain(firstJob);
        });
        ModelFamily suspended = get(client, ns, "fam");
        assertThat(suspended.getStatus().phase).isEqualTo("Suspended");
        assertThat(condition(suspended, "Progressing").getStatus()).isEqualTo("False");
        assertThat(condition(suspended, "Suspended").getMessage()).contains("m5b/train").contains(firstJob);
        assertThat(stage(suspended, "m5b", StageName.DECOMPOSE).phase).isEqualTo(StagePhase.Succeeded);

        scripts.put("m5b/train", FakeJobController.Script.of(succeed(result("m5b", "train"))));
        client.resources(ModelFamily.class).inNamespace(ns).withName("fam").edit(f -> {
            f.getSpec().suspend = false;
            return f;
        });
        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Ready").getStatus()).isEqualTo("True"));
        ModelFamily mf = get(client, ns, "fam");
        var train = stage(mf, "m5b", StageName.TRAIN);
        assertThat(train.attempt).isEqualTo(2);
        assertThat(train.jobName).isNotEqualTo(firstJob);
        // the stages before the suspended one ran once: resume continued, it did not restart the family
        assertThat(stage(mf, "m5b", StageName.DECOMPOSE).attempt).isEqualTo(1);
        assertThat(controller.jobsSeen()).hasSize(13);
        assertThat(condition(mf, "Suspended").getStatus()).isEqualTo("False");
    }
}
