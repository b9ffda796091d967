package dev.plrd.operator;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.ResourcesSpec;
import dev.plrd.api.SchedulingSpec;
import dev.plrd.api.StorageSpec;
import dev.plrd.api.TolerationSpec;
import dev.plrd.plan.Credentials;
import dev.plrd.plan.Defaults;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.WorkerContract;
import dev.plrd.plan.Workspace;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds the Job of one stage attempt and the family's workspace claim. Jobs are created once
 * and never updated: everything a stage needs is decided here, at creation.
 */
@ApplicationScoped
public class JobFactory {
    static final String REGISTRY_CONFIG_DIR = "/var/run/plrd/registry";
    /**
     * HOME, java.io.tmpdir and every cache live in /tmp. The largest user is DJL, which extracts
     * its PyTorch natives there (about 450 MB); the rest is headroom for library caches. A pod that
     * writes more is evicted instead of filling the node's disk.
     */
    static final String TMP_SIZE = "2Gi";
    /**
     * /dev/shm is memory (and counts against the stage's memory limit). NCCL's intra-node buffers
     * and the data loader's shared batches use it, a few hundred MB per GPU at most.
     */
    static final int SHM_GIB_PER_GPU = 1;

    private final OperatorConfig config;

    public JobFactory(OperatorConfig config) {
        this.config = config;
    }

    Job job(ModelFamily family, PlannedStage stage, String jobName) {
        ModelFamilySpec spec = family.getSpec();
        SchedulingSpec scheduling = Objects.requireNonNullElseGet(spec.scheduling, SchedulingSpec::new);
        int gpus = stage.gpus();

        Map<String, String> podLabels = new LinkedHashMap<>();
        podLabels.put(Labels.MANAGED_BY, Labels.OPERATOR);
        podLabels.put(Labels.FAMILY, Names.labelValue(family.getMetadata().getName()));
        podLabels.put(Labels.MEMBER, stage.member());
        podLabels.put(Labels.STAGE, stage.stage().id());
        podLabels.put(Labels.JOB, jobName);
        Map<String, String> jobLabels = new LinkedHashMap<>(podLabels);
        if (scheduling.queueName != null) {
            jobLabels.put(Labels.KUEUE_QUEUE, scheduling.queueName);
        }

        List<Volume> volumes = new ArrayList<>(List.of(
                new VolumeBuilder().withName("workspace").withNewPersistentVolumeClaim()
                        .withClaimName(Names.workspaceClaim(family.getMetadata().getName())).endPersistentVolumeClaim()
                        .build(),
                new VolumeBuilder().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity(TMP_SIZE)).endEmptyDir()
                        .build()));
        List<VolumeMount> mounts = new ArrayList<>(List.of(
                mount("workspace", Workspace.POD.root(), false), mount("tmp", "/tmp", false)));
        if (gpus > 0) {
            // PyTorch data loaders and NCCL use shared memory; the container default of 64Mi is too small.
            volumes.add(new VolumeBuilder().withName("dshm").withNewEmptyDir().withMedium("Memory")
                    .withSizeLimit(new Quantity(gpus * SHM_GIB_PER_GPU + "Gi")).endEmptyDir().build());
            mounts.add(mount("dshm", "/dev/shm", false));
        }

        List<EnvVar> env = new ArrayList<>(List.of(new EnvVar(WorkerContract.WORKSPACE_ENV, Workspace.POD.root(), null),
                new EnvVar("HOME", "/tmp", null),
                new EnvVar(WorkerContract.TERMINATION_GRACE_ENV, Long.toString(WorkerContract.TERMINATION_GRACE_SECONDS),
                        null)));
        // Base first, then data: for a key both Secrets hold, the later (data) value wins, and an
        // optional key the data Secret lacks leaves the base value in place.
        if (stage.credentials().contains(Credentials.BASE) && spec.base.credentialsSecret != null) {
            credentials(spec.base.credentialsSecret, "base", env, volumes, mounts);
        }
        if (stage.credentials().contains(Credentials.DATA) && spec.training.credentialsSecret != null) {
            credentials(spec.training.credentialsSecret, "data", env, volumes, mounts);
        }
        claims(spec, stage.credentials(), volumes, mounts);
        if (stage.credentials().contains(Credentials.REGISTRY) && spec.publish.credentialsSecret != null) {
            volumes.add(new VolumeBuilder().withName("registry").withNewSecret()
                    .withSecretName(spec.publish.credentialsSecret)
                    .addNewItem().withKey(".dockerconfigjson").withPath("config.json").endItem()
                    .endSecret().build());
            mounts.add(mount("registry", REGISTRY_CONFIG_DIR, true));
            env.add(new EnvVar("DOCKER_CONFIG", REGISTRY_CONFIG_DIR, null));
        }

        ResourceRequirementsBuilder resources = new ResourceRequirementsBuilder();
        ResourcesSpec requested = scheduling.resources;
        if (requested != null && requested.cpu != null) {
            resources.addToRequests("cpu", new Quantity(requested.cpu));
        }
        if (requested != null && requested.memory != null) {
            resources.addToRequests("memory", new Quantity(requested.memory));
            resources.addToLimits("memory", new Quantity(requested.memory));
        }
        Map<String, String> nodeSelector = new LinkedHashMap<>();
        List<Toleration> tolerations = new ArrayList<>();
        if (gpus > 0) {
            resources.addToLimits(Labels.GPU_RESOURCE, new Quantity(Integer.toString(gpus)));
            tolerations.add(new TolerationBuilder().withKey(Labels.GPU_RESOURCE).withOperator("Exists")
                    .withEffect("NoSchedule").build());
            if (scheduling.gpu != null && scheduling.gpu.product != null) {
                nodeSelector.put(Labels.GPU_PRODUCT, scheduling.gpu.product);
            }
        }
        if (scheduling.nodeSelector != null) {
            nodeSelector.putAll(scheduling.nodeSelector);
        }
        if (scheduling.tolerations != null) {
            scheduling.tolerations.stream().map(JobFactory::toleration).forEach(tolerations::add);
        }

        long uid = config.worker().runAsUser();
        return new JobBuilder()
                .withNewMetadata()
                    .withName(jobName)
                    .withNamespace(family.getMetadata().getNamespace())
                    .withLabels(jobLabels)
                    .addToAnnotations(Labels.FAMILY_NAME_ANNOTATION, family.getMetadata().getName())
                    .addToAnnotations(Labels.FINGERPRINT_ANNOTATION, stage.fingerprint())
                    .withOwnerReferences(owner(family))
                .endMetadata()
                .withNewSpec()
                    .withBackoffLimit(Defaults.or(scheduling.retries, Defaults.RETRIES))
                    .withTtlSecondsAfterFinished((int) config.jobs().ttlAfterFinished().toSeconds())
                    .withNewPodFailurePolicy()
                        .withRules(new PodFailurePolicyRuleBuilder().withAction("Ignore")
                                        .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True")
                                        .endOnPodCondition().build(),
                                new PodFailurePolicyRuleBuilder().withAction("FailJob")
                                        .withNewOnExitCodes().withContainerName(WorkerContract.CONTAINER)
                                        .withOperator("In")
                                        .withValues(WorkerContract.PERMANENT_EXIT_CODES)
                                        .endOnExitCodes().build())
                    .endPodFailurePolicy()
                    .withNewTemplate()
                        .withNewMetadata()
                            .withLabels(podLabels)
                            .addToAnnotations(Labels.FAMILY_NAME_ANNOTATION, family.getMetadata().getName())
                            .addToAnnotations(Labels.DO_NOT_DISRUPT, "true")
                        .endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withTerminationGracePeriodSeconds(WorkerContract.TERMINATION_GRACE_SECONDS)
                            .withServiceAccountName(config.worker().serviceAccount().orElse(null))
                            .withAutomountServiceAccountToken(config.worker().serviceAccount().isPresent())
                            .withPriorityClassName(scheduling.priorityClassName)
                            .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
                            .withTolerations(tolerations)
                            .withNewSecurityContext()
                                .withRunAsNonRoot(true)
                                .withRunAsUser(uid)
                                .withRunAsGroup(uid)
                                .withFsGroup(uid)
                                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                            .endSecurityContext()
                            .withContainers(new ContainerBuilder()
                                    .withName(WorkerContract.CONTAINER)
                                    .withImage(Defaults.or(spec.image, config.worker().image()))
                                    .withImagePullPolicy(config.worker().imagePullPolicy())
                                    .withArgs(stage.args())
                                    .withEnv(env)
                                    .withResources(resources.build())
                                    .withVolumeMounts(mounts)
                                    .withTerminationMessagePath(WorkerContract.RESULT_PATH)
                                    .withTerminationMessagePolicy("FallbackToLogsOnError")
                                    .withNewSecurityContext()
                                        .withAllowPrivilegeEscalation(false)
                                        .withReadOnlyRootFilesystem(true)
                                        .withNewCapabilities().withDrop("ALL").endCapabilities()
                                    .endSecurityContext()
                                    .build())
                            .withVolumes(volumes)
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    PersistentVolumeClaim workspaceClaim(ModelFamily family) {
        StorageSpec storage = Objects.requireNonNullElseGet(family.getSpec().storage, StorageSpec::new);
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                    .withName(Names.workspaceClaim(family.getMetadata().getName()))
                    .withNamespace(family.getMetadata().getNamespace())
                    .addToLabels(Labels.MANAGED_BY, Labels.OPERATOR)
                    .addToLabels(Labels.FAMILY, Names.labelValue(family.getMetadata().getName()))
                    .withOwnerReferences(owner(family))
                .endMetadata()
                .withNewSpec()
                    .withAccessModes(storage.accessMode != null ? storage.accessMode.name() : "ReadWriteOnce")
                    .withStorageClassName(storage.storageClassName)
                    .withNewResources()
                        .addToRequests("storage", new Quantity(Defaults.or(storage.size, Defaults.STORAGE_SIZE)))
                    .endResources()
                .endSpec()
                .build();
    }

    private static OwnerReference owner(ModelFamily family) {
        return new OwnerReferenceBuilder()
                .withApiVersion(family.getApiVersion())
                .withKind(family.getKind())
                .withName(family.getMetadata().getName())
                .withUid(family.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /**
     * Mounts, read-only, each PersistentVolumeClaim that an input of the stage names ({@code pvc://CLAIM/PATH}) where
     * the worker looks for it ({@link Workspace#claimPath}): the base's for a stage that reads the base, the datasets'
     * for a stage that reads data. A claim named twice is mounted once.
     */
    private static void claims(ModelFamilySpec spec, Set<Credentials> reads, List<Volume> volumes,
            List<VolumeMount> mounts) {
        Set<String> claims = new LinkedHashSet<>();
        if (reads.contains(Credentials.BASE)) {
            claims.add(Workspace.claim(spec.base.uri));
        }
        if (reads.contains(Credentials.DATA)) {
            claims.add(Workspace.claim(spec.training.dataset));
            claims.add(Workspace.claim(spec.evaluation != null ? spec.evaluation.dataset : null));
        }
        claims.remove(null);
        int i = 0;
        for (String claim : claims) {
            String volume = "claim-" + i++;
            volumes.add(new VolumeBuilder().withName(volume).withNewPersistentVolumeClaim().withClaimName(claim)
                    .withReadOnly(true).endPersistentVolumeClaim().build());
            mounts.add(mount(volume, Workspace.CLAIMS_MOUNT + "/" + claim, true));
        }
    }

    private static VolumeMount mount(String name, String path, boolean readOnly) {
        VolumeMount m = new VolumeMount();
        m.setName(name);
        m.setMountPath(path);
        m.setReadOnly(readOnly ? true : null);
        return m;
    }

    private static void credentials(String secret, String use, List<EnvVar> env, List<Volume> volumes,
            List<VolumeMount> mounts) {
        env.addAll(CredentialEnv.env(secret));
        volumes.add(CredentialEnv.volume(use + "-credentials", secret));
        mounts.add(mount(use + "-credentials", WorkerContract.CREDENTIALS_DIR + "/" + use, true));
    }

    private static Toleration toleration(TolerationSpec t) {
        return new TolerationBuilder().withKey(t.key)
                .withOperator(t.operator != null ? t.operator.name() : null)
                .withValue(t.value)
                .withEffect(t.effect != null ? t.effect.name() : null)
                .build();
    }
}
