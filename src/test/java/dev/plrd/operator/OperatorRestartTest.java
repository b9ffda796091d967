package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.succeedAfter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamily;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The operator process dies mid-stage and a new one takes over: it must find its way from status
 * alone, without duplicating a Job. The new process is a fresh JOSDK Operator (fresh informers and
 * caches) over the same reconciler and configuration.
 */
@QuarkusTest
@TestProfile(OperatorRestartTest.OwnApplication.class)
@WithKubernetesTestServer(crud = true)
class OperatorRestartTest extends OperatorTestSupport {
    /** Its own profile, so the stopped operator is not shared with other test classes. */
    public static class OwnApplication implements QuarkusTestProfile {
    }

    @Inject
    KubernetesClient client;
    @Inject
    Operator operator;
    @Inject
    ModelFamilyReconciler reconciler;

    @Test
    void restartMidStageContinuesWithoutDuplicateJobs() {
        String ns = "restart";
        // about four seconds of training, across the restart
        scripts.put("m5b/train", FakeJobController.Script.of(succeedAfter(80, result("m5b", "train"))));
        FakeJobController controller = fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Running));
        String trainJob = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).jobName;

        operator.stop();
        // Killed after recording a Job name in status and before creating the Job: the second
        // family's first stage is Starting with a name, and no Job exists.
        ModelFamily second = client.resource(Families.threeMembers("fam2", ns)).create();
        PlannedStage first = Planner.plan(second.getSpec()).get(0);
        second.setStatus(startingStatus(first, "fam2-m5b-decompose-recorded-1"));
        client.resource(second).updateStatus();

        Operator fresh = new Operator(operator.getConfigurationService());
        fresh.register(reconciler, operator.getConfigurationService().getConfigurationFor(reconciler));
        fresh.start();
        try {
            eventually(() -> assertThat(condition(get(client, ns, "fam2"), "Ready").getStatus()).isEqualTo("True"));
            eventually(() -> assertThat(condition(get(client, ns, "fam"), "Ready").getStatus()).isEqualTo("True"));
        } finally {
            fresh.stop();
        }
        // the running Job was adopted by the new process and the stage continued with it
        var train = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN);
        assertThat(train.jobName).isEqualTo(trainJob);
        assertThat(train.attempt).isEqualTo(1);
        ModelFamily mf2 = get(client, ns, "fam2");
        assertThat(stage(mf2, "m5b", StageName.DECOMPOSE).jobName).isEqualTo("fam2-m5b-decompose-recorded-1");
        assertThat(stage(mf2, "m5b", StageName.DECOMPOSE).attempt).isEqualTo(1);
        var seen = controller.jobsSeen();
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen.stream().filter(n -> n.startsWith("fam2-"))).hasSize(12)
                .contains("fam2-m5b-decompose-recorded-1");
        assertThat(seen.stream().filter(n -> n.startsWith("fam-"))).hasSize(12);
    }

    private static ModelFamilyStatus startingStatus(PlannedStage stage, String jobName) {
        ModelFamilyStatus status = new ModelFamilyStatus();
        MemberStatus member = new MemberStatus();
        member.name = stage.member();
        var s = StageStateMachine.start(StageStateMachine.pending(stage.stage(), stage.fingerprint()),
                attempt -> jobName, Instant.now()).stage();
        member.stages.add(s);
        status.members.add(member);
        return status;
    }
}
