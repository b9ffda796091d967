package dev.plrd.operator;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.SchedulingSpec;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.WorkerContract;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the Kubeflow Trainer TrainJob of a train stage on several nodes: the runtime (torch-distributed unless the
 * operator names another) makes it a JobSet of one indexed Job, one pod per node; spec.trainer gives every node the
 * stage's image, command, environment, GPUs and node count, and our runtime patch gives the pods what a stage Job's
 * pod has beyond that (labels the informers select, the autoscaler annotations, volumes, security context,
 * scheduling). Like a Job it is created once and never updated.
 *
 * <p>What the Trainer API has no place for: the pod's priority class (use Kueue's workload priority), the image pull
 * policy and the termination message policy (the runtime's defaults: the result is read from the message file as
 * every worker writes it), and the retry budget, which is the runtime's JobSet failure policy.
 */
// created at start-up, so that a bad operator setting stops the operator there rather than fails reconciles
@Startup
@ApplicationScoped
public class TrainJobFactory {
    private static final Set<String> RUNTIME_KINDS = Set.of("ClusterTrainingRuntime", "TrainingRuntime");
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private final OperatorConfig config;
    private final StagePods pods;

    public TrainJobFactory(OperatorConfig config, StagePods pods) {
        if (!RUNTIME_KINDS.contains(config.trainer().runtimeKind())) {
            throw new IllegalArgumentException("PLRD_TRAINER_RUNTIME_KIND: expected ClusterTrainingRuntime or "
                    + "TrainingRuntime, got '" + config.trainer().runtimeKind() + "'");
        }
        this.config = config;
        this.pods = pods;
    }

    GenericKubernetesResource trainJob(ModelFamily family, PlannedStage stage, String name) {
        SchedulingSpec scheduling = StagePods.scheduling(family.getSpec());
        StagePods.Pod pod = pods.pod(family, stage, name);

        Map<String, Object> trainer = new LinkedHashMap<>();
        trainer.put("image", pod.image());
        // the image's entrypoint, which the runtime's container would otherwise replace with its own
        trainer.put("command", List.of("plrd"));
        trainer.put("args", pod.args());
        trainer.put("env", tree(pod.env()));
        trainer.put("numNodes", stage.nodes());
        trainer.put("numProcPerNode", pod.gpus());
        trainer.put("resourcesPerNode", tree(pod.resources()));

        Map<String, Object> container = new LinkedHashMap<>();
        container.put("name", WorkerContract.MultiNode.CONTAINER);
        container.put("volumeMounts", tree(pod.mounts()));
        container.put("securityContext", tree(pod.containerSecurity()));
        Map<String, Object> podSpec = new LinkedHashMap<>();
        config.worker().serviceAccount().ifPresent(account -> podSpec.put("serviceAccountName", account));
        podSpec.put("volumes", tree(pod.volumes()));
        podSpec.put("containers", List.of(container));
        podSpec.put("securityContext", tree(pod.podSecurity()));
        if (!pod.nodeSelector().isEmpty()) {
            podSpec.put("nodeSelector", pod.nodeSelector());
        }
        podSpec.put("tolerations", tree(pod.tolerations()));
        podSpec.put("terminationGracePeriodSeconds", WorkerContract.TERMINATION_GRACE_SECONDS);
        Map<String, Object> podTemplate = Map.of(
                "metadata", Map.of("labels", pod.labels(), "annotations", pod.annotations()),
                "spec", podSpec);
        Map<String, Object> nodeJob = Map.of("name", TrainJobs.NODE_JOB,
                "template", Map.of("spec", Map.of("template", podTemplate)));
        Map<String, Object> patch = Map.of("manager", TrainJobs.PATCH_MANAGER,
                "trainingRuntimeSpec", Map.of("template", Map.of("spec", Map.of("replicatedJobs", List.of(nodeJob)))));

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("runtimeRef", Map.of("name", config.trainer().runtime(), "apiGroup", TrainJobs.GROUP,
                "kind", config.trainer().runtimeKind()));
        spec.put("trainer", trainer);
        spec.put("runtimePatches", List.of(patch));

        GenericKubernetesResource trainJob = new GenericKubernetesResource();
        trainJob.setApiVersion(TrainJobs.API_VERSION);
        trainJob.setKind(TrainJobs.KIND);
        trainJob.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(family.getMetadata().getNamespace())
                .withLabels(pod.workloadLabels(scheduling))
                .addToAnnotations(Labels.FAMILY_NAME_ANNOTATION, family.getMetadata().getName())
                .addToAnnotations(Labels.FINGERPRINT_ANNOTATION, stage.fingerprint())
                .withOwnerReferences(JobFactory.owner(family))
                .build());
        trainJob.setAdditionalProperty("spec", spec);
        return trainJob;
    }

    /** A Kubernetes model object as the JSON tree the API server reads. */
    private static Object tree(Object model) {
        return JSON.convertValue(model, Object.class);
    }
}
