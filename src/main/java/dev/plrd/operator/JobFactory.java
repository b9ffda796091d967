package dev.plrd.operator;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.SchedulingSpec;
import dev.plrd.api.StorageSpec;
import dev.plrd.plan.Defaults;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.WorkerContract;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Objects;

/**
 * Builds the Job of one stage attempt on one node, and the family's workspace claim. Jobs are created once
 * and never updated: everything a stage needs is decided here, at creation.
 */
@ApplicationScoped
public class JobFactory {
    private final OperatorConfig config;
    private final StagePods pods;

    public JobFactory(OperatorConfig config, StagePods pods) {
        this.config = config;
        this.pods = pods;
    }

    Job job(ModelFamily family, PlannedStage stage, String jobName) {
        SchedulingSpec scheduling = StagePods.scheduling(family.getSpec());
        StagePods.Pod pod = pods.pod(family, stage, jobName);
        return new JobBuilder()
                .withNewMetadata()
                    .withName(jobName)
                    .withNamespace(family.getMetadata().getNamespace())
                    .withLabels(pod.workloadLabels(scheduling))
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
                            .withLabels(pod.labels())
                            .withAnnotations(pod.annotations())
                        .endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withTerminationGracePeriodSeconds(WorkerContract.TERMINATION_GRACE_SECONDS)
                            .withServiceAccountName(config.worker().serviceAccount().orElse(null))
                            .withAutomountServiceAccountToken(config.worker().serviceAccount().isPresent())
                            .withPriorityClassName(scheduling.priorityClassName)
                            .withNodeSelector(pod.nodeSelector().isEmpty() ? null : pod.nodeSelector())
                            .withTolerations(pod.tolerations())
                            .withSecurityContext(pod.podSecurity())
                            .withContainers(new ContainerBuilder()
                                    .withName(WorkerContract.CONTAINER)
                                    .withImage(pod.image())
                                    .withImagePullPolicy(config.worker().imagePullPolicy())
                                    .withArgs(pod.args())
                                    .withEnv(pod.env())
                                    .withResources(pod.resources())
                                    .withVolumeMounts(pod.mounts())
                                    .withTerminationMessagePath(WorkerContract.RESULT_PATH)
                                    .withTerminationMessagePolicy("FallbackToLogsOnError")
                                    .withSecurityContext(pod.containerSecurity())
                                    .build())
                            .withVolumes(pod.volumes())
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

    /** The controller reference of everything the operator creates for a family. */
    static OwnerReference owner(ModelFamily family) {
        return new OwnerReferenceBuilder()
                .withApiVersion(family.getApiVersion())
                .withKind(family.getKind())
                .withName(family.getMetadata().getName())
                .withUid(family.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }
}
