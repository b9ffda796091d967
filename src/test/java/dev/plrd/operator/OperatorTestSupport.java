package dev.plrd.operator;

import static org.awaitility.Awaitility.await;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StageStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.core.ThrowingRunnable;

/** Shared plumbing of the operator tests: the CRD, the fake Job controller and its scripts, lookups. */
abstract class OperatorTestSupport {
    /** Scripts by "member/stage"; anything not listed succeeds with a plausible result. */
    final Map<String, FakeJobController.Script> scripts = new ConcurrentHashMap<>();
    private final List<FakeJobController> controllers = new java.util.ArrayList<>();

    /** Starts a fake Job controller for the namespace; it stops when the test ends. */
    FakeJobController fake(KubernetesClient client, String namespace) {
        client.resource(client.getKubernetesSerialization().unmarshal(
                read(Path.of("crds/modelfamilies.plrd.dev-v1.yml")), CustomResourceDefinition.class))
                .createOr(op -> op.update());
        FakeJobController controller = new FakeJobController(client, namespace, this::scriptFor, 50);
        controllers.add(controller);
        return controller;
    }

    @org.junit.jupiter.api.AfterEach
    void stopFakes() {
        controllers.forEach(FakeJobController::close);
        controllers.clear();
    }

    private static String read(Path p) {
        try {
            return java.nio.file.Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    FakeJobController.Script scriptFor(Job job) {
        Map<String, String> l = job.getMetadata().getLabels();
        String key = l.get(Labels.MEMBER) + "/" + l.get(Labels.STAGE);
        return scripts.getOrDefault(key, FakeJobController.Script.of(
                FakeJobController.PodScript.succeed(result(l.get(Labels.MEMBER), l.get(Labels.STAGE)))));
    }

    /** What a worker would write for that stage (see the worker contract). */
    static String result(String member, String stage) {
        return switch (stage) {
            case "decompose" -> "{\"uri\":\"/workspace/members/" + member + "/decomposed\",\"parameters\":"
                    + (member.hashCode() & 0xffffff) + ",\"ranks\":\"q,k,v,o:1024 gate,up,down:2048\",\"seconds\":12.5}";
            case "train" -> "{\"uri\":\"/workspace/members/" + member + "/trained\",\"loss\":2.25,\"tokens\":1000000000}";
            case "evaluate" -> "{\"perplexity\":8.5,\"parentPerplexity\":7.25}";
            default -> "{\"uri\":\"registry.example.com/models/mistral-family:" + member
                    + "\",\"digest\":\"sha256:" + "ab".repeat(32) + "\"}";
        };
    }

    static void eventually(ThrowingRunnable assertion) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .untilAsserted(assertion);
    }

    static ModelFamily get(KubernetesClient client, String namespace, String name) {
        return client.resources(ModelFamily.class).inNamespace(namespace).withName(name).get();
    }

    static StageStatus stage(ModelFamily mf, String member, StageName name) {
        return mf.getStatus().members.stream().filter(m -> m.name.equals(member)).findFirst().orElseThrow()
                .stages.stream().filter(s -> s.name == name).findFirst().orElseThrow();
    }

    static Condition condition(ModelFamily mf, String type) {
        return Conditions.find(mf.getStatus().conditions, type);
    }

    static List<Job> jobs(KubernetesClient client, String namespace) {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }
}
