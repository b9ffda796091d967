package dev.plrd.operator;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.ResourcesSpec;
import dev.plrd.api.SchedulingSpec;
import dev.plrd.api.TolerationSpec;
import dev.plrd.plan.Credentials;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.WorkerContract;
import dev.plrd.plan.Workspace;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the pod of one stage attempt holds, whichever workload runs it: the template of a batch Job
 * ({@link JobFactory}) or the node pods of a Kubeflow Trainer TrainJob ({@link TrainJobFactory}). One home, so
 * that a stage gets the same image, volumes, credentials, security context and scheduling either way.
 */
// created at start-up, so that a bad operator setting stops the operator there rather than fails reconciles
@Startup
@ApplicationScoped
public class StagePods {
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

    /**
     * One stage pod.
     *
     * @param labels      labels of the pod (and of the workload, which adds the Kueue queue label)
     * @param annotations annotations of the pod: the family's name, and what keeps autoscalers from removing the node
     *                    under it
     * @param gpus        GPUs of the pod (of each node)
     */
    record Pod(Map<String, String> labels, Map<String, String> annotations, String image, List<String> args,
            List<EnvVar> env, ResourceRequirements resources, int gpus, List<Volume> volumes, List<VolumeMount> mounts,
            Map<String, String> nodeSelector, List<Toleration> tolerations, PodSecurityContext podSecurity,
            SecurityContext containerSecurity) {

        /** The workload's labels: the pod's, and the Kueue queue that admits the workload as one unit. */
        Map<String, String> workloadLabels(SchedulingSpec scheduling) {
            Map<String, String> labels = new LinkedHashMap<>(this.labels);
            if (scheduling.queueName != null) {
                labels.put(Labels.KUEUE_QUEUE, scheduling.queueName);
            }
            return labels;
        }
    }

    private final OperatorConfig config;
    private final WorkerImages images;

    public StagePods(OperatorConfig config) {
        this.config = config;
        this.images = new WorkerImages(config);
    }

    Pod pod(ModelFamily family, PlannedStage stage, String jobName) {
        ModelFamilySpec spec = family.getSpec();
        SchedulingSpec scheduling = scheduling(spec);
        int gpus = stage.gpus();

        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.MANAGED_BY, Labels.OPERATOR);
        labels.put(Labels.FAMILY, Names.labelValue(family.getMetadata().getName()));
        labels.put(Labels.MEMBER, stage.member());
        labels.put(Labels.STAGE, stage.stage().id());
        labels.put(Labels.JOB, jobName);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(Labels.FAMILY_NAME_ANNOTATION, family.getMetadata().getName());
        // a stage loses its progress since the last checkpoint when its node goes: no voluntary disruption
        annotations.put(Labels.DO_NOT_DISRUPT, "true");
        annotations.put(Labels.SAFE_TO_EVICT, "false");

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
            // the limit, the toleration and the product label are what an autoscaler matches to scale a GPU pool up
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
            scheduling.tolerations.stream().map(StagePods::toleration).forEach(tolerations::add);
        }

        long uid = config.worker().runAsUser();
        PodSecurityContext podSecurity = new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(uid)
                .withRunAsGroup(uid)
                .withFsGroup(uid)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
        SecurityContext containerSecurity = new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .build();
        return new Pod(labels, annotations, images.image(spec, stage), stage.args(), env, resources.build(), gpus,
                volumes, mounts, nodeSelector, tolerations, podSecurity, containerSecurity);
    }

    static SchedulingSpec scheduling(ModelFamilySpec spec) {
        return Objects.requireNonNullElseGet(spec.scheduling, SchedulingSpec::new);
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
