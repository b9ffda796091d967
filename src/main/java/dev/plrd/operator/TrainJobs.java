package dev.plrd.operator;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The Kubeflow Trainer API the operator targets: TrainJob of trainer.kubeflow.org/v1alpha1, as Trainer v2.3
 * publishes it (spec.trainer for the image, command, nodes and resources; spec.runtimePatches for what the pods
 * carry beyond that). A train stage on several nodes runs as one.
 */
final class TrainJobs {
    static final String GROUP = "trainer.kubeflow.org";
    static final String VERSION = "v1alpha1";
    static final String API_VERSION = GROUP + "/" + VERSION;
    static final String KIND = "TrainJob";
    static final GroupVersionKind GVK = new GroupVersionKind(GROUP, VERSION, KIND);
    /** The Trainer release whose API this operator was written and checked against. */
    static final String TRAINER_VERSION = "v2.3";
    /** Who owns our entry of spec.runtimePatches (Kueue, for one, writes its own). */
    static final String PATCH_MANAGER = "plrd.dev/operator";
    /** The replicated Job of the torch runtimes that runs the training nodes, and its container. */
    static final String NODE_JOB = "node";
    /** Labels that JobSet and the Job controller put on the node pods. */
    static final String RESTART_ATTEMPT_LABEL = "jobset.sigs.k8s.io/restart-attempt";
    static final String COMPLETION_INDEX_LABEL = "batch.kubernetes.io/job-completion-index";

    private TrainJobs() {
    }

    /** Whether the API server serves TrainJobs: discovery, which every authenticated client may read. */
    static boolean served(KubernetesClient client) {
        return client.supports(API_VERSION, KIND);
    }

    /** Why a multi-node stage cannot run, for status. */
    static String notInstalledMessage(int nodes) {
        return "spec.scheduling.gpu.nodes is " + nodes + ": training on several nodes runs as a Kubeflow Trainer "
                + KIND + " (" + API_VERSION + "), which this cluster does not serve. Install Kubeflow Trainer "
                + TRAINER_VERSION + " or later (its CRDs, its controller with JobSet, and the ClusterTrainingRuntime "
                + "the operator names, torch-distributed by default); the family continues once it is served";
    }

    /** The verbs on TrainJobs the operator uses (deploy/base/rbac.yaml grants them), and none else. */
    static final List<String> VERBS = List.of("get", "list", "watch", "create", "delete");

    /**
     * Why a multi-node stage cannot run although TrainJobs are served: their informer did not start. RBAC is the
     * usual cause, and the informer's own error hides it, so the API server is asked which verbs it refuses (a
     * SelfSubjectAccessReview, which every authenticated client may make).
     */
    static String unwatchableMessage(KubernetesClient client, int nodes, Exception cause) {
        List<String> forbidden = VERBS.stream().filter(verb -> !allowed(client, verb)).toList();
        String why;
        if (!forbidden.isEmpty()) {
            why = "RBAC forbids the operator's service account to " + String.join(", ", forbidden)
                    + " trainjobs.trainer.kubeflow.org; it needs " + String.join(", ", VERBS)
                    + " (deploy/base/rbac.yaml)";
        } else {
            Set<String> messages = new LinkedHashSet<>();
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t.getMessage() != null) {
                    messages.add(t.getMessage());
                }
            }
            why = String.join(": ", messages);
        }
        return "spec.scheduling.gpu.nodes is " + nodes + ": training on several nodes runs as a " + KIND + " ("
                + API_VERSION + "), and the operator cannot watch TrainJobs: " + why + "; the family continues once"
                + " it can";
    }

    private static boolean allowed(KubernetesClient client, String verb) {
        SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder().withNewSpec()
                .withNewResourceAttributes().withGroup(GROUP).withResource("trainjobs").withVerb(verb)
                .endResourceAttributes().endSpec().build();
        SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
        return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
    }
}
