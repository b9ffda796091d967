package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.succeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StageStatus;
import dev.plrd.kube.DeployBase;
import dev.plrd.kube.KubeApiServer;
import dev.plrd.kube.OperatorProcess;
import dev.plrd.kube.SharedKubeApiServer;
import dev.plrd.operator.FakeTrainer.Attempt;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A train stage on two nodes, on a real API server with the TrainJob CRD installed, run by the operator under the
 * shipped RBAC (its own service account's token): the operator finds TrainJobs in discovery, starts their informer,
 * creates one TrainJob, and copies rank 0's result into status, while the fake Trainer plays JobSet and the kubelet
 * and the fake Job controller runs the other stages. What RBAC forbids shows in the operator's log, and the family
 * can still reach Ready through resyncs, so the log is checked as well as the family.
 */
@ExtendWith(SharedKubeApiServer.class)
class MultiNodeWalkIT extends RealApiServerSupport {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    /** What node 1 leaves in its termination message: not the stage's result, so never in status. */
    private static final String OTHER_RANK_RESULT =
            "{\"uri\":\"/workspace/members/m5b/trained\",\"loss\":9.75,\"tokens\":1000000000}";
    /** How a refused request reads in Fabric8's exceptions (the Status reason, or its code). */
    private static final Pattern FORBIDDEN = Pattern.compile("(?i)forbidden|code=403");

    @Test
    void walksATwoNodeFamilyToReadyThroughOneTrainJob(KubeApiServer server) throws Exception {
        KubernetesClient admin = server.admin();
        installTrainer(admin);
        try {
            DeployBase.apply(admin);
            noLeaderYet(admin);
            String ns = namespace(server, "multinode-walk");
            String token = server.serviceAccountToken(DeployBase.NAMESPACE, DeployBase.SERVICE_ACCOUNT);
            fake(admin, ns);
            Path work = workDir("multinode-walk");
            ModelFamily mf;
            List<String> trainJobsSeen;
            try (FakeTrainer trainer = new FakeTrainer(admin, ns, trainJob -> FakeTrainer.Script.of(
                    Attempt.of(succeed(result("m5b", "train")), succeed(OTHER_RANK_RESULT))), 50);
                    OperatorProcess operator = OperatorProcess.start(server, token, DeployBase.NAMESPACE, Map.of(),
                            work)) {
                admin.resource(Families.twoNodes("walk", ns)).create();
                mf = awaitReady(admin, ns, "walk", operator);
                trainJobsSeen = trainer.trainJobsSeen();
            }

            assertThat(mf.getStatus().members).singleElement().satisfies(m -> assertThat(m.stages)
                    .extracting(s -> s.name.id() + " " + s.phase)
                    .containsExactly("decompose Succeeded", "train Succeeded", "evaluate Succeeded",
                            "publish Succeeded"));
            StageStatus train = stage(mf, "m5b", StageName.TRAIN);
            String familyUid = mf.getMetadata().getUid();
            assertThat(train.outputs.loss).as("rank 0's result, not node 1's").isEqualTo(2.25);
            assertThat(mf.getStatus().members.get(0).loss).isEqualTo(2.25);
            assertThat(train.pod).isEqualTo(rankZeroPod(admin, ns, train.jobName));
            assertThat(train.retries).isZero();
            assertThat(train.interruptions).isZero();
            assertThat(trainJobsSeen).as("TrainJobs created").containsExactly(train.jobName);
            assertThat(admin.genericKubernetesResources(FakeTrainer.TRAIN_JOBS).inNamespace(ns).list().getItems())
                    .singleElement().satisfies(t -> {
                        assertThat(t.getMetadata().getName()).isEqualTo(train.jobName);
                        assertThat(t.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
                            assertThat(o.getUid()).isEqualTo(familyUid);
                            assertThat(o.getController()).isTrue();
                        });
                    });
            assertThat(jobs(admin, ns)).extracting(j -> j.getMetadata().getName())
                    .as("the other stages are Jobs; the train stage is not").hasSize(3)
                    .doesNotContain(train.jobName);

            String log = Files.readString(work.resolve("operator.log"));
            assertThat(log).as("the operator found TrainJobs served and watched them")
                    .contains("watching TrainJobs");
            assertThat(log.lines().filter(line -> FORBIDDEN.matcher(line).find()).toList())
                    .as("requests the shipped RBAC refused (operator log %s)", work.resolve("operator.log"))
                    .isEmpty();
        } finally {
            uninstallTrainer(admin);
        }
    }

    /**
     * TrainJobs served, but the operator's role lacks watch on them: its TrainJob informer cannot start. The family
     * says so (TrainerUnavailable, with the server's answer), nothing is created, and the operator keeps running.
     */
    @Test
    void withoutWatchOnTrainJobsTheFamilyIsDegradedWithTheServersAnswer(KubeApiServer server) throws Exception {
        KubernetesClient admin = server.admin();
        installTrainer(admin);
        try {
            DeployBase.apply(admin);
            admin.rbac().clusterRoles().withName(DeployBase.SERVICE_ACCOUNT).edit(role -> {
                role.getRules().stream().filter(r -> r.getResources().contains("trainjobs"))
                        .forEach(r -> r.getVerbs().remove("watch"));
                return role;
            });
            noLeaderYet(admin);
            String ns = namespace(server, "multinode-no-watch");
            String token = server.serviceAccountToken(DeployBase.NAMESPACE, DeployBase.SERVICE_ACCOUNT);
            fake(admin, ns);
            try (FakeTrainer trainer = new FakeTrainer(admin, ns, trainJob -> FakeTrainer.Script.of(
                    Attempt.of(succeed(result("m5b", "train")), succeed(OTHER_RANK_RESULT))), 50);
                    OperatorProcess operator = OperatorProcess.start(server, token, DeployBase.NAMESPACE, Map.of(),
                            workDir("multinode-no-watch"))) {
                admin.resource(Families.twoNodes("nowatch", ns)).create();
                Instant deadline = Instant.now().plus(LIMIT);
                Condition degraded = null;
                while (degraded == null || !"TrainerUnavailable".equals(degraded.getReason())) {
                    if (Instant.now().isAfter(deadline) || !operator.isAlive()) {
                        fail("Degraded TrainerUnavailable within %s, operator %s; Degraded: %s%noperator log:%n%s",
                                LIMIT, operator.isAlive() ? "running" : "exited", degraded, operator.logTail());
                    }
                    Thread.sleep(200);
                    ModelFamily mf = get(admin, ns, "nowatch");
                    degraded = mf == null || mf.getStatus() == null ? null : condition(mf, Conditions.DEGRADED);
                }
                assertThat(degraded.getStatus()).isEqualTo("True");
                assertThat(degraded.getMessage()).contains("the operator cannot watch TrainJobs: RBAC forbids the"
                        + " operator's service account to watch trainjobs.trainer.kubeflow.org;");
                assertThat(operator.isAlive()).isTrue();
                assertThat(trainer.trainJobsSeen()).isEmpty();
            }
        } finally {
            DeployBase.apply(admin);
            uninstallTrainer(admin);
        }
    }

    /** The TrainJob CRD, served once Established, as installing Kubeflow Trainer makes it. */
    private static void installTrainer(KubernetesClient admin) {
        FakeTrainer.install(admin);
        admin.apiextensions().v1().customResourceDefinitions().withName(FakeTrainer.CRD_NAME)
                .waitUntilCondition(MultiNodeWalkIT::established, 60, TimeUnit.SECONDS);
    }

    /** Gone again, with every TrainJob, so that the other classes on the shared server see no Trainer. */
    private static void uninstallTrainer(KubernetesClient admin) {
        FakeTrainer.uninstall(admin);
        admin.apiextensions().v1().customResourceDefinitions().withName(FakeTrainer.CRD_NAME)
                .waitUntilCondition(crd -> crd == null, 60, TimeUnit.SECONDS);
    }

    private static boolean established(CustomResourceDefinition crd) {
        // a CRD just created may have a status whose conditions the server has not written yet
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                && crd.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
    }

    private static ModelFamily awaitReady(KubernetesClient admin, String ns, String name, OperatorProcess operator)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(LIMIT);
        while (true) {
            ModelFamily mf = get(admin, ns, name);
            Condition ready = mf == null || mf.getStatus() == null ? null : condition(mf, Conditions.READY);
            if (ready != null && "True".equals(ready.getStatus())) {
                return mf;
            }
            if (Instant.now().isAfter(deadline) || !operator.isAlive()) {
                fail("family Ready within %s, operator %s; family status: %s%noperator log:%n%s", LIMIT,
                        operator.isAlive() ? "running" : "exited",
                        mf == null ? null : admin.getKubernetesSerialization().asJson(mf.getStatus()),
                        operator.logTail());
            }
            Thread.sleep(200);
        }
    }

    /** The only pod of node 0 (global rank 0) of the TrainJob: no node was lost, so there is one attempt. */
    private static String rankZeroPod(KubernetesClient admin, String ns, String trainJob) {
        List<Pod> pods = admin.pods().inNamespace(ns).withLabel(FakeTrainer.JOBSET_NAME, trainJob)
                .withLabel(FakeTrainer.COMPLETION_INDEX, "0").list().getItems();
        assertThat(pods).as("rank-0 pods of %s", trainJob).hasSize(1);
        assertThat(pods.get(0).getStatus().getPhase()).isEqualTo("Succeeded");
        return pods.get(0).getMetadata().getName();
    }
}
