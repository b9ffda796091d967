package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.MemberTrainingSpec;
import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** A new generation re-plans: unchanged members keep their finished stages, later ones are re-derived. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ReplanTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;

    @Test
    void changingOneMembersTrainingRederivesItAndTheMembersAfterIt() {
        String ns = "replan";
        FakeJobController controller = fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();
        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Ready").getStatus()).isEqualTo("True"));
        ModelFamily before = get(client, ns, "fam");

        client.resources(ModelFamily.class).inNamespace(ns).withName("fam").edit(f -> {
            f.getSpec().members.get(1).training = new MemberTrainingSpec();
            f.getSpec().members.get(1).training.tokens = "2B";
            return f;
        });
        eventually(() -> {
            ModelFamily mf = get(client, ns, "fam");
            assertThat(mf.getStatus().observedGeneration).isEqualTo(mf.getMetadata().getGeneration());
            assertThat(condition(mf, "Ready").getStatus()).isEqualTo("True");
        });
        ModelFamily after = get(client, ns, "fam");
        for (StageName s : StageName.values()) {
            assertThat(stage(after, "m5b", s).jobName).as("m5b/" + s.id() + " kept")
                    .isEqualTo(stage(before, "m5b", s).jobName);
            assertThat(stage(after, "m3b", s).jobName).as("m3b/" + s.id() + " re-derived")
                    .isNotEqualTo(stage(before, "m3b", s).jobName);
            assertThat(stage(after, "m3b", s).phase).isEqualTo(StagePhase.Succeeded);
        }
        assertThat(stage(after, "m4b", StageName.DECOMPOSE).jobName)
                .isEqualTo(stage(before, "m4b", StageName.DECOMPOSE).jobName);
        assertThat(stage(after, "m4b", StageName.TRAIN).jobName)
                .isNotEqualTo(stage(before, "m4b", StageName.TRAIN).jobName);
        // 12 first, then m4b train/evaluate/publish and all four of m3b
        assertThat(controller.jobsSeen()).hasSize(12 + 3 + 4);
        assertThat(after.getStatus().published).isEqualTo("3/3");
    }
}
