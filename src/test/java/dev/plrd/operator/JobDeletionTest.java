package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.runForever;
import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** Status is the truth: a deleted Job of a finished stage changes nothing; one of a running stage is replaced. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class JobDeletionTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;

    @Test
    void deletingAFinishedStagesJobDoesNotRerunIt() throws InterruptedException {
        String ns = "deleted-finished";
        scripts.put("m5b/train", FakeJobController.Script.of(runForever()));
        FakeJobController controller = fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Running));
        String decomposeJob = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).jobName;

        // what ttlSecondsAfterFinished, or a tidy-minded person, does
        client.batch().v1().jobs().inNamespace(ns).withName(decomposeJob).delete();
        eventually(() -> assertThat(jobs(client, ns)).extracting(j -> j.getMetadata().getName())
                .doesNotContain(decomposeJob));
        // a Job event and a few reconciles later, the stage is still finished and no Job was re-created
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).message)
                .contains("attempt 1"));
        Thread.sleep(1500);
        var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
        assertThat(decompose.phase).isEqualTo(StagePhase.Succeeded);
        assertThat(decompose.attempt).isEqualTo(1);
        assertThat(decompose.outputs.parameters).isNotNull();
        assertThat(controller.jobsSeen()).hasSize(2);
    }

    @Test
    void deletingARunningStagesJobStartsANewAttempt() {
        String ns = "deleted-running";
        scripts.put("m5b/decompose", FakeJobController.Script.of(runForever()));
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).phase)
                .isEqualTo(StagePhase.Running));
        String first = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).jobName;

        client.batch().v1().jobs().inNamespace(ns).withName(first).delete();
        eventually(() -> {
            var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
            assertThat(decompose.attempt).isEqualTo(2);
            assertThat(decompose.jobName).isNotEqualTo(first);
            assertThat(jobs(client, ns)).extracting(j -> j.getMetadata().getName()).containsExactly(decompose.jobName);
        });
    }
}
