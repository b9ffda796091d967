package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.runForever;
import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import dev.plrd.api.TaintEffect;
import dev.plrd.api.TolerationOperator;
import dev.plrd.api.TolerationSpec;
import dev.plrd.plan.WorkerContract;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What a stage Job carries: GPU scheduling, Kueue, the failure policy, security, the workspace. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class StageJobSpecTest extends OperatorTestSupport {
    /** Variables that change how the JVM, the dynamic linker, Python or the shell start a process. */
    private static final Pattern RUNTIME_ENV = Pattern.compile(
            "JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|JAVA_OPTS|JAVA_HOME|CLASSPATH|LD_.*|PYTHON.*|PATH|BASH_ENV|ENV"
                    + "|MALLOC_.*|GLIBC_TUNABLES");

    @Inject
    KubernetesClient client;

    @Test
    void trainJobCarriesGpuSchedulingKueueAndTheFailurePolicy() {
        String ns = "jobspec";
        scripts.put("m5b/train", FakeJobController.Script.of(runForever()));
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        var scheduling = family.getSpec().scheduling;
        scheduling.queueName = "team-a-gpus";
        scheduling.priorityClassName = "ml-batch";
        scheduling.nodeSelector = Map.of("pool", "training");
        TolerationSpec spot = new TolerationSpec();
        spot.key = "cloud.google.com/gke-spot";
        spot.operator = TolerationOperator.Exists;
        spot.effect = TaintEffect.NoSchedule;
        scheduling.tolerations = List.of(spot);
        family.getSpec().training.credentialsSecret = "corpus-s3";
        client.resource(family).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Running));
        ModelFamily mf = get(client, ns, "fam");

        Job train = client.batch().v1().jobs().inNamespace(ns)
                .withName(stage(mf, "m5b", StageName.TRAIN).jobName).get();
        assertThat(train.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "team-a-gpus")
                .containsEntry("plrd.dev/stage", "train").containsEntry("plrd.dev/member", "m5b");
        assertThat(train.getSpec().getSuspend()).as("Kueue owns suspend; the operator leaves it alone").isNull();
        assertThat(train.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("ModelFamily");
            assertThat(o.getUid()).isEqualTo(mf.getMetadata().getUid());
            assertThat(o.getController()).isTrue();
        });
        assertThat(train.getSpec().getBackoffLimit()).isEqualTo(2);
        var rules = train.getSpec().getPodFailurePolicy().getRules();
        assertThat(rules.get(0).getAction()).isEqualTo("Ignore");
        assertThat(rules.get(0).getOnPodConditions()).singleElement()
                .satisfies(c -> assertThat(c.getType()).isEqualTo("DisruptionTarget"));
        assertThat(rules.get(1).getAction()).isEqualTo("FailJob");
        assertThat(rules.get(1).getOnExitCodes().getValues())
                .containsExactlyElementsOf(WorkerContract.PERMANENT_EXIT_CODES);

        var pod = train.getSpec().getTemplate().getSpec();
        assertThat(train.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("karpenter.sh/do-not-disrupt", "true");
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getPriorityClassName()).isEqualTo("ml-batch");
        assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3")
                .containsEntry("pool", "training");
        assertThat(pod.getTolerations()).anySatisfy(t -> {
            assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        }).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("cloud.google.com/gke-spot"));
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        // room for training to save its state on SIGTERM, and the worker told how much
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(120L);
        assertThat(pod.getContainers().get(0).getEnv())
                .anySatisfy(e -> assertThat(e).extracting("name", "value")
                        .containsExactly("PLRD_TERMINATION_GRACE_SECONDS", "120"));
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        var container = pod.getContainers().get(0);
        assertThat(container.getName()).isEqualTo("worker");
        assertThat(container.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("8"));
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(container.getArgs()).startsWith("train", "--from", "/workspace/members/m5b/decomposed")
                .endsWith("--result", "/dev/termination-log");
        assertCredentialsOnly(pod, "corpus-s3", "data");
        assertThat(container.getVolumeMounts()).extracting(m -> m.getMountPath())
                .contains("/workspace", "/tmp", "/dev/shm");
        // an emptyDir without a limit can fill the node's disk; /dev/shm is memory, sized by the GPUs
        assertThat(emptyDir(pod, "/tmp").getSizeLimit()).isEqualTo(new Quantity("2Gi"));
        assertThat(emptyDir(pod, "/dev/shm").getMedium()).isEqualTo("Memory");
        assertThat(emptyDir(pod, "/dev/shm").getSizeLimit()).isEqualTo(new Quantity("8Gi"));
        assertThat(pod.getVolumes()).filteredOn(v -> v.getPersistentVolumeClaim() != null).singleElement()
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("fam-workspace"));

        // CPU stages hold no GPU quota
        Job decompose = client.batch().v1().jobs().inNamespace(ns)
                .withName(stage(mf, "m5b", StageName.DECOMPOSE).jobName).get();
        var decomposePod = decompose.getSpec().getTemplate().getSpec();
        assertThat(decomposePod.getContainers().get(0).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        assertThat(decomposePod.getNodeSelector()).doesNotContainKey("nvidia.com/gpu.product");
        assertThat(decomposePod.getTolerations()).noneSatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
        assertThat(emptyDir(decomposePod, "/tmp").getSizeLimit()).isEqualTo(new Quantity("2Gi"));
        assertThat(decomposePod.getContainers().get(0).getVolumeMounts()).extracting(m -> m.getMountPath())
                .doesNotContain("/dev/shm");

        var claim = client.persistentVolumeClaims().inNamespace(ns).withName("fam-workspace").get();
        assertThat(claim.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(mf.getMetadata().getUid()));
        assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("200Gi"));
        assertThat(mf.getStatus().workspaceClaim).isEqualTo("fam-workspace");
    }

    @Test
    void eachClaimAnInputNamesIsMountedReadOnlyInTheStagesThatReadIt() {
        String ns = "jobspec-pvc";
        scripts.put("m5b/publish", FakeJobController.Script.of(runForever()));
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().base.uri = "pvc://models/mistral-7b";
        family.getSpec().base.revision = null;
        family.getSpec().training.dataset = "pvc://corpus/web";
        client.resource(family).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.PUBLISH).phase)
                .isEqualTo(StagePhase.Running));
        ModelFamily mf = get(client, ns, "fam");

        var decompose = podSpec(ns, stage(mf, "m5b", StageName.DECOMPOSE).jobName);
        assertThat(claims(decompose)).containsExactly(Map.entry("models", "/mnt/pvc/models"));
        assertThat(decompose.getContainers().get(0).getArgs()).as("the worker maps the URI under the claims' mount")
                .containsSequence("--from", "pvc://models/mistral-7b");
        assertThat(claims(podSpec(ns, stage(mf, "m5b", StageName.TRAIN).jobName)))
                .containsExactly(Map.entry("corpus", "/mnt/pvc/corpus"));
        assertThat(claims(podSpec(ns, stage(mf, "m5b", StageName.EVALUATE).jobName))).as("the base is its parent")
                .containsExactly(Map.entry("models", "/mnt/pvc/models"), Map.entry("corpus", "/mnt/pvc/corpus"));
        assertThat(claims(podSpec(ns, stage(mf, "m5b", StageName.PUBLISH).jobName))).isEmpty();
    }

    private io.fabric8.kubernetes.api.model.PodSpec podSpec(String ns, String job) {
        return client.batch().v1().jobs().inNamespace(ns).withName(job).get().getSpec().getTemplate().getSpec();
    }

    /** Claim name to mount path, for every claim volume of a pod other than the workspace; each must be read-only. */
    private static Map<String, String> claims(io.fabric8.kubernetes.api.model.PodSpec pod) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        pod.getVolumes().stream().filter(v -> v.getPersistentVolumeClaim() != null && !"workspace".equals(v.getName()))
                .forEach(v -> {
                    assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue();
                    var mount = pod.getContainers().get(0).getVolumeMounts().stream()
                            .filter(m -> m.getName().equals(v.getName())).findFirst().orElseThrow();
                    assertThat(mount.getReadOnly()).isTrue();
                    out.put(v.getPersistentVolumeClaim().getClaimName(), mount.getMountPath());
                });
        return out;
    }

    @Test
    void publishJobMountsTheRegistryCredentialsOnly() {
        String ns = "jobspec-publish";
        scripts.put("m5b/publish", FakeJobController.Script.of(runForever()));
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().base.credentialsSecret = "hf-token";
        client.resource(family).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.PUBLISH).phase)
                .isEqualTo(StagePhase.Running));
        ModelFamily mf = get(client, ns, "fam");
        var publish = client.batch().v1().jobs().inNamespace(ns)
                .withName(stage(mf, "m5b", StageName.PUBLISH).jobName).get().getSpec().getTemplate().getSpec();
        assertThat(publish.getVolumes()).filteredOn(v -> v.getSecret() != null).singleElement()
                .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("registry-push"));
        assertThat(publish.getContainers().get(0).getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("DOCKER_CONFIG");
            assertThat(e.getValue()).isEqualTo(StagePods.REGISTRY_CONFIG_DIR);
        });
        assertThat(publish.getContainers().get(0).getEnvFrom()).isEmpty();
        assertThat(publish.getContainers().get(0).getEnv()).noneSatisfy(e -> assertThat(e.getValueFrom()).isNotNull());
        var decompose = client.batch().v1().jobs().inNamespace(ns)
                .withName(stage(mf, "m5b", StageName.DECOMPOSE).jobName).get().getSpec().getTemplate().getSpec();
        assertCredentialsOnly(decompose, "hf-token", "base");
        var nextDecompose = stage(mf, "m4b", StageName.DECOMPOSE);
        assertThat(nextDecompose.phase).isEqualTo(StagePhase.Pending);
    }

    @Test
    void aStageThatReadsBaseAndDataGetsBothSecretsAndTheDataValueWinsPerKey() {
        String ns = "jobspec-both";
        scripts.put("m5b/evaluate", FakeJobController.Script.of(runForever()));
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().base.credentialsSecret = "hf-token";
        family.getSpec().training.credentialsSecret = "corpus-s3";
        client.resource(family).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.EVALUATE).phase)
                .isEqualTo(StagePhase.Running));
        var evaluate = client.batch().v1().jobs().inNamespace(ns)
                .withName(stage(get(client, ns, "fam"), "m5b", StageName.EVALUATE).jobName).get().getSpec()
                .getTemplate().getSpec();
        var container = evaluate.getContainers().get(0);
        assertThat(container.getEnvFrom()).isEmpty();
        // the kubelet sets variables in order and skips an optional key a Secret lacks, so the later
        // (data) Secret's value wins where both hold a key and the base value stays where only it does
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("HF_TOKEN"))
                .extracting(e -> e.getValueFrom().getSecretKeyRef().getName()).containsExactly("hf-token", "corpus-s3");
        assertThat(container.getVolumeMounts()).extracting(m -> m.getMountPath())
                .contains("/var/run/plrd/credentials/base", "/var/run/plrd/credentials/data");
    }

    /**
     * A credentials Secret reaches the worker as the documented credential variables and as
     * read-only files, never whole as environment: a key such as JAVA_TOOL_OPTIONS or LD_PRELOAD
     * in the Secret would change what the worker runs.
     */
    @Test
    void aFourGpuTrainJobStartsFourTorchRanksOnItsFourGpus() {
        String ns = "jobspec-torch";
        scripts.put("m5b/train", FakeJobController.Script.of(runForever()));
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().scheduling.gpu.count = 4;
        client.resource(family).create();
        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Running));

        Job train = client.batch().v1().jobs().inNamespace(ns)
                .withName(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).jobName).get();
        var pod = train.getSpec().getTemplate().getSpec();
        var container = pod.getContainers().get(0);
        assertThat(container.getArgs()).startsWith("train").containsSubsequence("--engine", "torch", "--nproc", "4")
                .endsWith("--result", "/dev/termination-log");
        assertThat(container.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("4"));
        assertThat(emptyDir(pod, "/dev/shm").getMedium()).isEqualTo("Memory");
        assertThat(emptyDir(pod, "/dev/shm").getSizeLimit()).as("1Gi per GPU").isEqualTo(new Quantity("4Gi"));
    }

    private static void assertCredentialsOnly(PodSpec pod, String secret, String use) {
        var container = pod.getContainers().get(0);
        assertThat(container.getEnvFrom()).as("no Secret is injected whole").isEmpty();
        var fromSecret = container.getEnv().stream().filter(e -> e.getValueFrom() != null).toList();
        assertThat(fromSecret).extracting(EnvVar::getName)
                .containsExactlyInAnyOrder("HF_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL");
        assertThat(fromSecret).allSatisfy(e -> {
            var ref = e.getValueFrom().getSecretKeyRef();
            assertThat(ref.getName()).isEqualTo(secret);
            assertThat(ref.getKey()).isEqualTo(e.getName());
            assertThat(ref.getOptional()).as("a key the Secret lacks is not an error").isTrue();
        });
        assertThat(container.getEnv()).extracting(EnvVar::getName).noneMatch(name -> RUNTIME_ENV.matcher(name).matches());
        var volume = pod.getVolumes().stream().filter(v -> v.getSecret() != null
                && v.getSecret().getSecretName().equals(secret)).findFirst().orElseThrow();
        assertThat(volume.getSecret().getOptional()).as("a missing Secret stops the pod").isNotEqualTo(Boolean.TRUE);
        assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0440);
        assertThat(container.getVolumeMounts()).filteredOn(m -> m.getName().equals(volume.getName())).singleElement()
                .satisfies(m -> {
                    assertThat(m.getMountPath()).isEqualTo("/var/run/plrd/credentials/" + use);
                    assertThat(m.getReadOnly()).isTrue();
                });
    }

    private static EmptyDirVolumeSource emptyDir(PodSpec pod, String mountPath) {
        String name = pod.getContainers().get(0).getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(mountPath)).findFirst().orElseThrow().getName();
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow().getEmptyDir();
    }
}
