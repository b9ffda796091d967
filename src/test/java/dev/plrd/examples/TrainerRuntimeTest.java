package dev.plrd.examples;

import static dev.plrd.examples.FailurePolicies.JOB_CONTINUES;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.examples.FailurePolicies.FailedPod;
import dev.plrd.plan.WorkerContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * examples/trainer/plrd-torch-distributed.yaml is a runtime Trainer's torch plugin can use (the replicated job,
 * label and container it looks for) that keeps the worker contract (container, result path, grace period,
 * permanent exit codes), and whose failure policies treat a multi-node train stage as one group: an interruption
 * restarts all nodes without using the restart budget, a permanent exit code fails the whole JobSet at once, and
 * any other failure restarts the group within maxRestarts.
 */
class TrainerRuntimeTest {
    private static final Path RUNTIME = ExampleFiles.EXAMPLES.resolve("trainer/plrd-torch-distributed.yaml");
    private static final String NODE = WorkerContract.MultiNode.CONTAINER;

    @Test
    void trainersTorchPluginFindsItsNodesAndContainer() {
        JsonNode runtime = runtime();
        assertThat(runtime.path("kind").asText()).isEqualTo("ClusterTrainingRuntime");
        assertThat(runtime.path("metadata").path("labels").path("trainer.kubeflow.org/framework").asText())
                .isEqualTo("torch");
        assertThat(runtime.path("spec").path("mlPolicy").has("torch")).as("the torch plugin sets PET_*").isTrue();
        JsonNode jobSet = jobSetSpec(runtime);
        assertThat(jobSet.path("replicatedJobs")).hasSize(1);
        JsonNode replicated = jobSet.path("replicatedJobs").get(0);
        // Trainer writes PET_MASTER_ADDR as <trainjob>-node-0-0.<trainjob>: the replicated job must be "node"
        assertThat(replicated.path("name").asText()).isEqualTo("node");
        assertThat(replicated.path("template").path("metadata").path("labels")
                .path("trainer.kubeflow.org/trainjob-ancestor-step").asText()).isEqualTo("trainer");
        JsonNode pod = pod(jobSet);
        assertThat(pod.path("containers")).hasSize(1);
        assertThat(pod.path("containers").get(0).path("name").asText()).isEqualTo(NODE);
    }

    @Test
    void podsKeepTheWorkerContractAndTheStagePodsLockdown() {
        JsonNode pod = pod(jobSetSpec(runtime()));
        JsonNode container = pod.path("containers").get(0);
        assertThat(pod.path("restartPolicy").asText()).as("podFailurePolicy needs Never").isEqualTo("Never");
        assertThat(pod.path("terminationGracePeriodSeconds").asLong()).isEqualTo(WorkerContract.TERMINATION_GRACE_SECONDS);
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(container.path("terminationMessagePath").asText()).isEqualTo(WorkerContract.RESULT_PATH);
        assertThat(container.path("terminationMessagePolicy").asText()).isEqualTo("FallbackToLogsOnError");
        assertThat(container.path("image").asText()).endsWith("-gpu");
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
        JsonNode security = container.path("securityContext");
        assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(security.path("capabilities").path("drop")).extracting(JsonNode::asText).containsExactly("ALL");
        assertThat(container.path("volumeMounts")).anySatisfy(m -> assertThat(m.path("mountPath").asText())
                .isEqualTo("/tmp"));
    }

    @Test
    void anInterruptionRestartsEveryNodeOutsideTheRestartBudget() {
        JsonNode jobSet = jobSetSpec(runtime());
        // the node that was preempted, reclaimed or drained: DisruptionTarget, stopped by its SIGTERM
        assertThat(decide(jobSet, new FailedPod("ml-team", "llama-node-0-1-x7k2p", NODE, 143, true)))
                .isEqualTo("RestartJobSetAndIgnoreMaxRestarts");
        // also when it had no time to save and was killed
        assertThat(decide(jobSet, new FailedPod("ml-team", "llama-node-0-1-x7k2p", NODE, 137, true)))
                .isEqualTo("RestartJobSetAndIgnoreMaxRestarts");
        // a node that saved and stopped because every rank agreed to stop: no condition of its own
        assertThat(decide(jobSet, new FailedPod("ml-team", "llama-node-0-0-b9q4d", NODE, 143, false)))
                .isEqualTo("RestartJobSetAndIgnoreMaxRestarts");
        // an interruption is never mistaken for a permanent failure, whatever the worker exited with
        assertThat(decide(jobSet, new FailedPod("ml-team", "llama-node-0-1-x7k2p", NODE,
                WorkerContract.EXIT_INVALID_INPUT, true))).isEqualTo("RestartJobSetAndIgnoreMaxRestarts");
    }

    @Test
    void aPermanentExitCodeFailsTheWholeJobSetAtOnce() {
        JsonNode jobSet = jobSetSpec(runtime());
        assertThat(WorkerContract.PERMANENT_EXIT_CODES).isNotEmpty().allSatisfy(code -> assertThat(
                decide(jobSet, new FailedPod("ml-team", "llama-node-0-0-b9q4d", NODE, code, false)))
                .as("exit %d", code).isEqualTo("FailJobSet"));
    }

    @Test
    void anyOtherFailureRestartsTheGroupWithinMaxRestarts() {
        JsonNode jobSet = jobSetSpec(runtime());
        for (int code : List.of(WorkerContract.EXIT_FAILED, WorkerContract.EXIT_OUT_OF_MEMORY, 134, 139)) {
            assertThat(decide(jobSet, new FailedPod("ml-team", "llama-node-0-0-b9q4d", NODE, code, false)))
                    .as("exit %d: one failed node fails the Job, and the JobSet restarts", code)
                    .isEqualTo("RestartJobSet");
        }
        assertThat(jobSet.path("failurePolicy").path("maxRestarts").asInt()).isBetween(1, 10);
        assertThat(jobSet.path("failurePolicy").path("restartStrategy").asText()).isEqualTo("BlockingRecreate");
    }

    @Test
    void withoutTheRuntimesPoliciesAnInterruptionWouldWaitAndAPermanentFailureRetry() {
        ObjectNode jobSet = (ObjectNode) jobSetSpec(runtime()).deepCopy();
        jobSet.remove("failurePolicy");
        ObjectNode job = (ObjectNode) FailurePolicies.childJob(jobSet, "node");
        job.remove("podFailurePolicy");
        job.remove("backoffLimit");
        // Trainer's torch-distributed: Kubernetes' defaults, each node retried on its own up to 6 times
        assertThat(decide(jobSet, new FailedPod("ml-team", "llama-node-0-1-x7k2p", NODE, 143, true)))
                .isEqualTo(JOB_CONTINUES);
        assertThat(decide(jobSet, new FailedPod("ml-team", "llama-node-0-0-b9q4d", NODE,
                WorkerContract.EXIT_INVALID_INPUT, false))).isEqualTo(JOB_CONTINUES);

        ObjectNode withoutPatterns = (ObjectNode) jobSetSpec(runtime()).deepCopy();
        ((ArrayNode) withoutPatterns.path("failurePolicy").path("rules")).remove(0);
        assertThat(decide(withoutPatterns, new FailedPod("ml-team", "llama-node-0-1-x7k2p", NODE, 143, true)))
                .as("the Interrupted rule is what keeps an interruption out of the budget").isEqualTo("FailJobSet");
    }

    private static String decide(JsonNode jobSet, FailedPod pod) {
        return FailurePolicies.decide(jobSet, "node", pod);
    }

    private static JsonNode runtime() {
        return ExampleFiles.documents(RUNTIME).get(0);
    }

    private static JsonNode jobSetSpec(JsonNode runtime) {
        return runtime.path("spec").path("template").path("spec");
    }

    private static JsonNode pod(JsonNode jobSet) {
        return FailurePolicies.childJob(jobSet, "node").path("template").path("spec");
    }
}
