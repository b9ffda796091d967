package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.fail;
import static dev.plrd.operator.FakeJobController.PodScript.preempted;
import static dev.plrd.operator.FakeJobController.PodScript.runForever;
import static dev.plrd.operator.FakeJobController.PodScript.succeed;
import static dev.plrd.operator.FakeJobController.PodScript.succeedAfter;
import static dev.plrd.operator.FakeJobController.PodScript.unschedulable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.AccessMode;
import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamily;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import dev.plrd.api.StorageSpec;
import dev.plrd.operator.FakeJobController.PodScript;
import dev.plrd.operator.FakeTrainer.Attempt;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import dev.plrd.plan.WorkerContract;
import dev.plrd.plan.Workspace;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A train stage on several nodes runs as one Kubeflow Trainer TrainJob (driven by {@link FakeTrainer}); the other
 * stages stay Jobs (driven by {@link FakeJobController}). Rank 0 reports the result, a lost node restarts the group
 * without using the retry budget, and everything the operator promises for Jobs holds for TrainJobs: waiting for
 * capacity, the startup timeout, suspend and resume, a restart of the operator, no duplicates.
 */
@QuarkusTest
@TestProfile(MultiNodeTrainingTest.OwnApplication.class)
@WithKubernetesTestServer(crud = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiNodeTrainingTest extends OperatorTestSupport {
    /** Its own application: the restart scenario stops the operator, which must not be shared with other classes. */
    public static class OwnApplication implements QuarkusTestProfile {
    }

    /** What a rank other than 0 leaves in its termination message: not the job's result, so never in status. */
    private static final String OTHER_RANK_RESULT =
            "{\"uri\":\"/workspace/members/m5b/trained\",\"loss\":9.75,\"tokens\":1000000000}";

    @Inject
    KubernetesClient client;
    @Inject
    Operator operator;
    @Inject
    ModelFamilyReconciler reconciler;
    @ConfigProperty(name = "plrd.worker.image")
    String workerImage;

    /** TrainJob scripts by "member/stage"; anything not listed succeeds on every node, rank 0 with the train result. */
    private final Map<String, FakeTrainer.Script> trainScripts = new ConcurrentHashMap<>();
    private final List<FakeTrainer> trainers = new ArrayList<>();

    @Test
    void aTwoNodeTrainStageIsOneTrainJobAndRankZeroReportsTheResult() {
        String ns = "multinode";
        fake(client, ns);
        FakeTrainer trainer = trainer(ns);
        // about two seconds of training, after about one second in Kueue's queue
        trainScripts.put("m5b/train", FakeTrainer.Script.of(Attempt.of(succeedAfter(40, result("m5b", "train")),
                succeedAfter(40, OTHER_RANK_RESULT))).queuedFor(20));
        ModelFamily family = Families.twoNodes("fam", ns);
        family.getSpec().scheduling.queueName = "gpu-queue";
        client.resource(family).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).reason)
                .isEqualTo(Reasons.QUEUED));
        eventually(() -> {
            assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase).isEqualTo(StagePhase.Running);
            assertThat(get(client, ns, "fam").getStatus().gpus).isEqualTo("8x2");
        });
        ModelFamily mf = get(client, ns, "fam");
        StageStatus running = stage(mf, "m5b", StageName.TRAIN);
        assertThat(jobs(client, ns)).extracting(j -> j.getMetadata().getName()).doesNotContain(running.jobName);
        GenericKubernetesResource trainJob = trainer.firstSeen(running.jobName);
        assertThat(trainJob.getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, Labels.OPERATOR)
                .containsEntry(Labels.FAMILY, "fam").containsEntry(Labels.MEMBER, "m5b")
                .containsEntry(Labels.STAGE, "train").containsEntry(Labels.JOB, running.jobName)
                .containsEntry(Labels.KUEUE_QUEUE, "gpu-queue");
        assertThat(trainJob.getMetadata().getAnnotations()).containsEntry(Labels.FAMILY_NAME_ANNOTATION, "fam")
                .containsEntry(Labels.FINGERPRINT_ANNOTATION, running.fingerprint);
        assertThat(trainJob.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("ModelFamily");
            assertThat(o.getUid()).isEqualTo(mf.getMetadata().getUid());
            assertThat(o.getController()).isTrue();
        });
        assertThat((Object) trainJob.get("spec", "suspend")).as("Kueue owns suspend; the operator leaves it alone")
                .isNull();
        assertThat((Map<String, Object>) trainJob.get("spec", "runtimeRef")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "name", "torch-distributed", "apiGroup", "trainer.kubeflow.org", "kind", "ClusterTrainingRuntime"));
        assertTrainer(trainJob.get("spec", "trainer"), planned(mf, StageName.TRAIN));
        assertPodTemplatePatch(trainJob);

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Ready").getStatus()).isEqualTo("True"));
        ModelFamily ready = get(client, ns, "fam");
        StageStatus train = stage(ready, "m5b", StageName.TRAIN);
        assertThat(train.phase).isEqualTo(StagePhase.Succeeded);
        assertThat(train.jobName).isEqualTo(running.jobName);
        assertThat(train.outputs.loss).as("rank 0's result, not another node's").isEqualTo(2.25);
        assertThat(ready.getStatus().members.get(0).loss).isEqualTo(2.25);
        assertThat(train.pod).isEqualTo(rankZeroPod(ns, train.jobName, 0));
        assertThat(train.retries).isZero();
        assertThat(train.interruptions).isZero();
        assertThat(get(client, ns, "fam").getStatus().gpus).as("no GPU stage is active").isNull();
        assertThat(trainer.trainJobsSeen()).containsExactly(train.jobName);
    }

    @Test
    void aNodeWithoutCapacityKeepsTheStageStartingUntilTheStartupTimeout() {
        String ns = "multinode-capacity";
        fake(client, ns);
        trainer(ns);
        trainScripts.put("m5b/train", FakeTrainer.Script.of(Attempt.of(runForever(), unschedulable())));
        ModelFamily family = Families.twoNodes("fam", ns);
        family.getSpec().scheduling.startupTimeout = "4s";
        client.resource(family).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).reason)
                .isEqualTo(Reasons.WAITING_FOR_CAPACITY));
        StageStatus waiting = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN);
        assertThat(waiting.phase).as("node 0 runs, node 1 has no node: the job has not started")
                .isEqualTo(StagePhase.Starting);
        assertThat(get(client, ns, "fam").getStatus().gpus).isEqualTo("8x2");

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Failed));
        ModelFamily mf = get(client, ns, "fam");
        assertThat(stage(mf, "m5b", StageName.TRAIN).reason).isEqualTo(Reasons.STARTUP_TIMEOUT);
        assertThat(condition(mf, "Degraded").getReason()).isEqualTo(Reasons.STARTUP_TIMEOUT);
        // the TrainJob that held one GPU node and waited for another is gone, and its pods with it
        eventually(() -> {
            assertThat(trainJobs(ns)).isEmpty();
            assertThat(client.pods().inNamespace(ns).withLabel(FakeTrainer.JOBSET_NAME, waiting.jobName).list()
                    .getItems()).isEmpty();
        });
        assertThat(get(client, ns, "fam").getStatus().gpus).isNull();
    }

    @Test
    void aPreemptedNodeRestartsTheGroupAsAnInterruptionNotARetry() {
        String ns = "multinode-preempted";
        fake(client, ns);
        FakeTrainer trainer = trainer(ns);
        // node 1 is preempted; rank 0 loses its peer and exits 1 a tick later, in the same restart attempt
        PodScript losesItsPeer = new PodScript(1, true, null, 2, PodScript.Ending.FAIL, 1, FakeTrainer.PEER_LOST);
        trainScripts.put("m5b/train", FakeTrainer.Script.of(Attempt.of(losesItsPeer, preempted()),
                Attempt.of(succeed(result("m5b", "train")), succeed(OTHER_RANK_RESULT))));
        client.resource(Families.twoNodes("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Succeeded));
        ModelFamily mf = get(client, ns, "fam");
        StageStatus train = stage(mf, "m5b", StageName.TRAIN);
        assertThat(train.interruptions).isEqualTo(1);
        assertThat(train.retries).isZero();
        assertThat(train.attempt).as("the JobSet restarted inside the one TrainJob").isEqualTo(1);
        assertThat(train.pod).isEqualTo(rankZeroPod(ns, train.jobName, 1));
        assertThat(train.outputs.loss).isEqualTo(2.25);
        assertThat(condition(mf, "Degraded").getStatus()).isEqualTo("False");
        assertThat(trainer.trainJobsSeen()).containsExactly(train.jobName);
    }

    @Test
    void rankZeroFailingOnItsOwnIsARetry() {
        String ns = "multinode-retry";
        fake(client, ns);
        FakeTrainer trainer = trainer(ns);
        // rank 0 fails; node 1 then loses its peer (the fake's NCCL abort), and the JobSet restarts the group
        trainScripts.put("m5b/train", FakeTrainer.Script.of(
                Attempt.of(fail(1, "{\"error\":\"CUDA error: an illegal memory access was encountered\"}"),
                        runForever()),
                Attempt.of(succeed(result("m5b", "train")), succeed(OTHER_RANK_RESULT))));
        client.resource(Families.twoNodes("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Succeeded));
        StageStatus train = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN);
        assertThat(train.retries).isEqualTo(1);
        assertThat(train.interruptions).isZero();
        assertThat(train.pod).isEqualTo(rankZeroPod(ns, train.jobName, 1));
        assertThat(trainer.trainJobsSeen()).containsExactly(train.jobName);
    }

    /**
     * First: the operator starts watching TrainJobs the first time a family needs one and they are served, and from
     * then on takes them as served; this scenario needs an operator that has not seen them yet.
     */
    @Test
    @Order(1)
    void withoutTheTrainerInstalledTheFamilyIsDegradedUntilItIs() throws InterruptedException {
        String ns = "multinode-no-trainer";
        fake(client, ns);
        FakeTrainer trainer = trainer(ns);
        FakeTrainer.uninstall(client);
        client.resource(Families.twoNodes("fam", ns)).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getReason())
                .isEqualTo("TrainerNotInstalled"));
        ModelFamily degraded = get(client, ns, "fam");
        assertThat(condition(degraded, "Degraded").getStatus()).isEqualTo("True");
        assertThat(condition(degraded, "Degraded").getMessage()).contains("Kubeflow Trainer");
        // no loop: nothing is created and the status is not rewritten while nothing changes
        Thread.sleep(2_000);
        assertThat(get(client, ns, "fam").getMetadata().getResourceVersion())
                .isEqualTo(degraded.getMetadata().getResourceVersion());
        assertThat(trainer.trainJobsSeen()).isEmpty();
        assertThat(trainJobs(ns)).isEmpty();

        FakeTrainer.install(client);
        // The next reconcile: a change of the spec that changes no stage (the run timeout's default, written out).
        // An annotation alone would not do, as the operator skips updates that leave metadata.generation alone.
        client.resources(ModelFamily.class).inNamespace(ns).withName("fam").edit(f -> {
            f.getSpec().scheduling.runTimeout = "72h";
            return f;
        });
        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Ready").getStatus()).isEqualTo("True"));
        assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("False");
        assertThat(trainer.trainJobsSeen()).containsExactly(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).jobName);
    }

    @Test
    void suspendDeletesTheTrainJobAndResumeRunsANewOne() {
        String ns = "multinode-suspend";
        fake(client, ns);
        FakeTrainer trainer = trainer(ns);
        trainScripts.put("m5b/train", FakeTrainer.Script.of(Attempt.of(runForever(), runForever())));
        client.resource(Families.twoNodes("fam", ns)).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Running));
        String first = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).jobName;

        setSuspend(ns, true);
        eventually(() -> {
            ModelFamily mf = get(client, ns, "fam");
            assertThat(stage(mf, "m5b", StageName.TRAIN).phase).isEqualTo(StagePhase.Suspended);
            assertThat(condition(mf, "Suspended").getStatus()).isEqualTo("True");
            assertThat(trainJobs(ns)).extracting(t -> t.getMetadata().getName()).doesNotContain(first);
            assertThat(client.pods().inNamespace(ns).withLabel(FakeTrainer.JOBSET_NAME, first).list().getItems())
                    .isEmpty();
        });
        assertThat(get(client, ns, "fam").getStatus().gpus).isNull();

        trainScripts.remove("m5b/train");
        setSuspend(ns, false);
        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Ready").getStatus()).isEqualTo("True"));
        ModelFamily mf = get(client, ns, "fam");
        StageStatus train = stage(mf, "m5b", StageName.TRAIN);
        assertThat(train.attempt).isEqualTo(2);
        assertThat(train.jobName).isNotEqualTo(first);
        assertThat(train.outputs.loss).isEqualTo(2.25);
        assertThat(stage(mf, "m5b", StageName.DECOMPOSE).attempt).isEqualTo(1);
        assertThat(trainer.trainJobsSeen()).containsExactly(first, train.jobName);
    }

    @Test
    void oneNodeOfEightGpusIsAJobRunningEightTorchRanksOnTheGpuImage() {
        String ns = "multinode-one-node";
        scripts.put("m5b/train", FakeJobController.Script.of(runForever()));
        fake(client, ns);
        FakeTrainer trainer = trainer(ns);
        ModelFamily family = Families.twoNodes("fam", ns);
        family.getSpec().scheduling.gpu.nodes = null;
        client.resource(family).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Running));
        ModelFamily mf = get(client, ns, "fam");

        Job train = client.batch().v1().jobs().inNamespace(ns).withName(stage(mf, "m5b", StageName.TRAIN).jobName)
                .get();
        assertThat(train).as("a batch Job, not a TrainJob").isNotNull();
        var template = train.getSpec().getTemplate();
        var container = template.getSpec().getContainers().get(0);
        assertThat(container.getArgs()).containsSubsequence("--engine", "torch", "--nproc", "8")
                .doesNotContain("--nodes");
        assertThat(container.getResources().getLimits()).containsEntry(Labels.GPU_RESOURCE, new Quantity("8"));
        assertThat(container.getImage()).isEqualTo(workerImage + "-gpu");
        assertThat(emptyDir(template.getSpec(), "/dev/shm").getMedium()).isEqualTo("Memory");
        assertThat(emptyDir(template.getSpec(), "/dev/shm").getSizeLimit()).isEqualTo(new Quantity("8Gi"));
        assertThat(template.getMetadata().getAnnotations()).containsEntry(Labels.DO_NOT_DISRUPT, "true")
                .containsEntry(Labels.SAFE_TO_EVICT, "false");
        assertThat(get(client, ns, "fam").getStatus().gpus).isEqualTo("8x1");

        Job decompose = client.batch().v1().jobs().inNamespace(ns)
                .withName(stage(mf, "m5b", StageName.DECOMPOSE).jobName).get();
        assertThat(decompose.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .as("a CPU stage runs on the operator's own image").isEqualTo(workerImage);
        assertThat(trainer.trainJobsSeen()).isEmpty();
    }

    @Test
    void trainingThatCannotFitItsGpusIsRefusedBeforeAnyJob() {
        String ns = "multinode-does-not-fit";
        fake(client, ns);
        FakeTrainer trainer = trainer(ns);
        client.resource(Families.parse("""
                apiVersion: plrd.dev/v1alpha1
                kind: ModelFamily
                metadata:
                  name: fam
                  namespace: %s
                spec:
                  base:
                    uri: hf://mistralai/Mistral-7B-v0.1
                    revision: 26bca36bde8333b5d7f72e9ed20ccda6a618af24
                  members:
                    - name: m6b
                      targetParameters: 6B
                  training:
                    dataset: s3://corpus/slimpajama-6b
                    tokens: 1B
                  publish:
                    repository: registry.example.com/models/mistral-family
                  scheduling:
                    gpu:
                      count: 1
                      product: NVIDIA-H100-80GB-HBM3
                """.formatted(ns))).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("True"));
        ModelFamily mf = get(client, ns, "fam");
        assertThat(condition(mf, "Degraded").getReason()).isEqualTo(Reasons.INVALID_SPEC);
        assertThat(condition(mf, "Degraded").getMessage())
                .startsWith("spec.scheduling.gpu: member m6b (6.00B parameters) does not fit")
                .containsPattern("needs \\d+\\.\\d GiB per GPU").containsPattern("on 1 GPU\\(s\\) of \\d+\\.\\d GiB");
        assertThat(jobs(client, ns)).isEmpty();
        assertThat(trainer.trainJobsSeen()).isEmpty();

        // the same GPU on two nodes holds the sharded state: the family starts
        client.resources(ModelFamily.class).inNamespace(ns).withName("fam").edit(f -> {
            f.getSpec().scheduling.gpu.nodes = 2;
            f.getSpec().storage = new StorageSpec();
            f.getSpec().storage.accessMode = AccessMode.ReadWriteMany;
            return f;
        });
        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("False"));
        eventually(() -> assertThat(jobs(client, ns)).isNotEmpty());
    }

    /** Last: it stops the application's operator, and the fresh one it starts is stopped at its end. */
    @Test
    @Order(Integer.MAX_VALUE)
    void anOperatorRestartMidTrainingCreatesNoSecondTrainJob() {
        String ns = "multinode-restart";
        fake(client, ns);
        FakeTrainer trainer = trainer(ns);
        // about four seconds of training, across the restart
        trainScripts.put("m5b/train", FakeTrainer.Script.of(Attempt.of(succeedAfter(80, result("m5b", "train")),
                succeedAfter(80, OTHER_RANK_RESULT))));
        client.resource(Families.twoNodes("fam", ns)).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Running));
        ModelFamily running = get(client, ns, "fam");
        String trainJob = stage(running, "m5b", StageName.TRAIN).jobName;

        operator.stop();
        // Killed after recording a TrainJob name in status and before creating the TrainJob: the second family's
        // train stage is Starting with a name, and no TrainJob exists.
        trainScripts.remove("m5b/train");
        ModelFamily second = client.resource(Families.twoNodes("fam2", ns)).create();
        second.setStatus(trainStarting(running, second, "fam2-m5b-train-recorded-1"));
        client.resource(second).updateStatus();

        Operator fresh = new Operator(operator.getConfigurationService());
        fresh.register(reconciler, operator.getConfigurationService().getConfigurationFor(reconciler));
        fresh.start();
        try {
            eventually(() -> assertThat(condition(get(client, ns, "fam"), "Ready").getStatus())
                    .as(() -> trainStage(ns, "fam")).isEqualTo("True"));
            eventually(() -> assertThat(condition(get(client, ns, "fam2"), "Ready").getStatus())
                    .as(() -> trainStage(ns, "fam2")).isEqualTo("True"));
        } finally {
            fresh.stop();
        }
        StageStatus train = stage(get(client, ns, "fam"), "m5b", StageName.TRAIN);
        assertThat(train.jobName).as("the running TrainJob was adopted").isEqualTo(trainJob);
        assertThat(train.attempt).isEqualTo(1);
        StageStatus train2 = stage(get(client, ns, "fam2"), "m5b", StageName.TRAIN);
        assertThat(train2.jobName).isEqualTo("fam2-m5b-train-recorded-1");
        assertThat(train2.attempt).isEqualTo(1);
        assertThat(trainer.trainJobsSeen()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrder(trainJob, "fam2-m5b-train-recorded-1");
    }

    @AfterEach
    void stopTrainers() {
        trainers.forEach(FakeTrainer::close);
        trainers.clear();
        // a scenario may have taken the Trainer away; the next one starts with it installed
        FakeTrainer.install(client);
    }

    /** Installs the TrainJob CRD and starts a fake Trainer for the namespace; it stops when the test ends. */
    private FakeTrainer trainer(String namespace) {
        FakeTrainer.install(client);
        FakeTrainer trainer = new FakeTrainer(client, namespace, this::trainScriptFor, 50);
        trainers.add(trainer);
        return trainer;
    }

    private FakeTrainer.Script trainScriptFor(GenericKubernetesResource trainJob) {
        Map<String, String> labels = trainJob.getMetadata().getLabels();
        String member = labels.get(Labels.MEMBER);
        FakeTrainer.Script script = trainScripts.get(member + "/" + labels.get(Labels.STAGE));
        if (script != null) {
            return script;
        }
        List<PodScript> nodes = new ArrayList<>(List.of(succeed(result(member, "train"))));
        int numNodes = ((Number) trainJob.get("spec", "trainer", "numNodes")).intValue();
        for (int i = 1; i < numNodes; i++) {
            nodes.add(succeed(OTHER_RANK_RESULT));
        }
        return FakeTrainer.Script.of(new Attempt(nodes));
    }

    /** spec.trainer: the GPU image running the planned train stage on 2 nodes of 8 ranks, 8 GPUs each. */
    private void assertTrainer(Map<String, Object> trainer, PlannedStage planned) {
        assertThat(trainer.get("image")).isEqualTo(workerImage + "-gpu");
        assertThat(trainer.get("command")).isEqualTo(List.of("plrd"));
        assertThat(strings(trainer.get("args"))).isEqualTo(planned.args())
                .containsSubsequence("--engine", "torch", "--nproc", "8").containsSubsequence("--nodes", "2");
        assertThat((List<Map<String, Object>>) trainer.get("env")).contains(
                Map.of("name", WorkerContract.WORKSPACE_ENV, "value", Workspace.POD.root()));
        assertThat(((Number) trainer.get("numNodes")).intValue()).isEqualTo(2);
        assertThat(((Number) trainer.get("numProcPerNode")).intValue()).isEqualTo(8);
        assertThat(String.valueOf(GenericKubernetesResource.<Object>get(trainer, "resourcesPerNode", "limits",
                Labels.GPU_RESOURCE))).isEqualTo("8");
    }

    /** The runtime patch: what every node's pod carries beyond the runtime's template. */
    private void assertPodTemplatePatch(GenericKubernetesResource trainJob) {
        List<Map<String, Object>> patches = trainJob.get("spec", "runtimePatches");
        assertThat(patches).singleElement().satisfies(p -> assertThat(p.get("manager")).isEqualTo("plrd.dev/operator"));
        List<Map<String, Object>> replicatedJobs = GenericKubernetesResource.get(patches.get(0), "trainingRuntimeSpec",
                "template", "spec", "replicatedJobs");
        assertThat(replicatedJobs).singleElement().satisfies(j -> assertThat(j.get("name")).isEqualTo("node"));
        Map<String, Object> template = GenericKubernetesResource.get(replicatedJobs.get(0), "template", "spec",
                "template");
        assertThat((Map<String, String>) GenericKubernetesResource.get(template, "metadata", "labels"))
                .as("the pods carry the stage's labels, so the operator's pod informer sees them")
                .containsEntry(Labels.MANAGED_BY, Labels.OPERATOR).containsEntry(Labels.FAMILY, "fam")
                .containsEntry(Labels.MEMBER, "m5b").containsEntry(Labels.STAGE, "train")
                .containsEntry(Labels.JOB, trainJob.getMetadata().getName())
                .doesNotContainKey(Labels.KUEUE_QUEUE);
        assertThat((Map<String, String>) GenericKubernetesResource.get(template, "metadata", "annotations"))
                .containsEntry(Labels.FAMILY_NAME_ANNOTATION, "fam")
                .containsEntry(Labels.DO_NOT_DISRUPT, "true")
                .containsEntry(Labels.SAFE_TO_EVICT, "false");

        PodSpec pod = client.getKubernetesSerialization().convertValue(template.get("spec"), PodSpec.class);
        assertThat(pod.getContainers()).singleElement().satisfies(c -> {
            assertThat(c.getName()).isEqualTo(WorkerContract.MultiNode.CONTAINER);
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/workspace", "/tmp", "/dev/shm");
        });
        assertThat(pod.getVolumes()).filteredOn(v -> v.getPersistentVolumeClaim() != null)
                .anySatisfy(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("fam-workspace"));
        assertThat(emptyDir(pod, "/dev/shm").getMedium()).isEqualTo("Memory");
        assertThat(emptyDir(pod, "/dev/shm").getSizeLimit()).as("1Gi per GPU of the node").isEqualTo(new Quantity("8Gi"));
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getNodeSelector()).containsEntry(Labels.GPU_PRODUCT, "NVIDIA-H100-80GB-HBM3");
        assertThat(pod.getTolerations()).anySatisfy(t -> {
            assertThat(t.getKey()).isEqualTo(Labels.GPU_RESOURCE);
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(WorkerContract.TERMINATION_GRACE_SECONDS);
    }

    /**
     * The second family's status as the stopped operator left it: decompose done (as the first family's), and the
     * train stage Starting under a recorded name.
     */
    private static ModelFamilyStatus trainStarting(ModelFamily first, ModelFamily second, String jobName) {
        MemberStatus ran = first.getStatus().members.get(0);
        MemberStatus member = new MemberStatus();
        member.name = ran.name;
        member.parameters = ran.parameters;
        member.ranks = ran.ranks;
        StageStatus decompose = StageStateMachine.copy(stage(first, ran.name, StageName.DECOMPOSE));
        decompose.fingerprint = planned(second, StageName.DECOMPOSE).fingerprint();
        member.stages.add(decompose);
        member.stages.add(StageStateMachine.start(StageStateMachine.pending(StageName.TRAIN,
                planned(second, StageName.TRAIN).fingerprint()), attempt -> jobName, Instant.now()).stage());
        ModelFamilyStatus status = new ModelFamilyStatus();
        status.members.add(member);
        return status;
    }

    private static PlannedStage planned(ModelFamily family, StageName name) {
        return Planner.plan(family.getSpec()).stream().filter(s -> s.stage() == name).findFirst().orElseThrow();
    }

    /** The name of the pod of node 0 (global rank 0) in a restart attempt of the TrainJob's JobSet. */
    private String rankZeroPod(String ns, String trainJob, int restartAttempt) {
        return client.pods().inNamespace(ns).withLabel(FakeTrainer.JOBSET_NAME, trainJob)
                .withLabel(FakeTrainer.RESTART_ATTEMPT, Integer.toString(restartAttempt))
                .withLabel(FakeTrainer.COMPLETION_INDEX, "0").list().getItems().stream().map(p -> p.getMetadata().getName())
                .reduce((a, b) -> {
                    throw new AssertionError("two rank-0 pods in one restart attempt: " + a + ", " + b);
                }).orElseThrow(() -> new AssertionError("no rank-0 pod of " + trainJob + " in attempt " + restartAttempt));
    }

    /** The train stage in words, for a failure message. */
    private String trainStage(String ns, String family) {
        StageStatus train = stage(get(client, ns, family), "m5b", StageName.TRAIN);
        return family + " m5b/train: " + train.phase + " " + train.reason + " (" + train.message + "), " + train.jobName;
    }

    private List<GenericKubernetesResource> trainJobs(String ns) {
        return client.genericKubernetesResources(FakeTrainer.TRAIN_JOBS).inNamespace(ns).list().getItems();
    }

    private void setSuspend(String ns, boolean suspend) {
        client.resources(ModelFamily.class).inNamespace(ns).withName("fam").edit(f -> {
            f.getSpec().suspend = suspend;
            return f;
        });
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    private static EmptyDirVolumeSource emptyDir(PodSpec pod, String mountPath) {
        String name = pod.getContainers().get(0).getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(mountPath)).findFirst().orElseThrow().getName();
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow().getEmptyDir();
    }
}
