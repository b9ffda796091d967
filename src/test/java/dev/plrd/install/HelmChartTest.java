package dev.plrd.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.deploy.Kustomize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart in deploy/helm renders the objects of the kustomize installs: with default values
 * those of deploy/base, with watchNamespaces those of deploy/namespaced, rendered by a real Helm
 * and compared with the tests' kustomize renderer. Objects must be equal but for Helm's standard
 * labels (app.kubernetes.io/managed-by: Helm instead of kustomize, and helm.sh/chart) and the CRD's
 * labels (Helm installs crds/ verbatim, where kustomize adds its labels); the Namespace is rendered
 * only with namespace.create, because `helm install --create-namespace` makes it.
 */
class HelmChartTest {
    private static final Path BASE = Path.of("deploy/base");
    private static final Path NAMESPACED = Path.of("deploy/namespaced");

    @Test
    void defaultValuesRenderTheKustomizeBaseButTheNamespace() throws Exception {
        Map<String, JsonNode> base = byKey(Kustomize.render(BASE));
        base.remove("Namespace//plrd-system");
        assertThat(byKey(Helm.template())).isEqualTo(base);
    }

    @Test
    void namespaceCreateAddsTheBaseNamespace() throws Exception {
        assertThat(byKey(Helm.template("namespace.create=true"))).isEqualTo(byKey(Kustomize.render(BASE)));
    }

    @Test
    void watchNamespacesRenderTheNamespacedInstall() throws Exception {
        Map<String, JsonNode> namespaced = byKey(Kustomize.render(NAMESPACED));
        namespaced.remove("Namespace//plrd-system");
        assertThat(byKey(Helm.template("watchNamespaces={ml-team,ml-research}"))).isEqualTo(namespaced);
    }

    @Test
    void theCrdIsTheCommittedOneVerbatim() throws Exception {
        Path crd = Helm.CHART.resolve("crds/modelfamilies.plrd.dev-v1.yml");
        assertThat(Files.readString(crd)).isEqualTo(Files.readString(Path.of("crds/modelfamilies.plrd.dev-v1.yml")));
    }

    @Test
    void theImageValuesSetTheOperatorAndTheStageImage() throws Exception {
        JsonNode container = operator(Helm.template("image.repository=registry.example.com/ml/plrd", "image.tag=1.2.3"));
        assertThat(container.path("image").asText()).isEqualTo("registry.example.com/ml/plrd:1.2.3");
        assertThat(env(container)).containsEntry("PLRD_WORKER_IMAGE", "registry.example.com/ml/plrd:1.2.3")
                .doesNotContainKey("PLRD_WORKER_ALLOWED_IMAGE_PREFIXES");

        container = operator(Helm.template("workerImage=registry.example.com/ml/plrd-gpu:1.2.3",
                "workerAllowedImagePrefixes=registry.example.com/ml"));
        assertThat(container.path("image").asText()).isEqualTo("ghcr.io/plrd-dev/plrd-operator:0.1.0");
        assertThat(env(container)).containsEntry("PLRD_WORKER_IMAGE", "registry.example.com/ml/plrd-gpu:1.2.3")
                .containsEntry("PLRD_WORKER_ALLOWED_IMAGE_PREFIXES", "registry.example.com/ml");
    }

    @Test
    void theTrainerRuntimeIsAValueTheOperatorNamesInTrainJobs() throws Exception {
        assertThat(env(operator(Helm.template()))).as("the operator's default, torch-distributed")
                .doesNotContainKey("PLRD_TRAINER_RUNTIME");
        assertThat(env(operator(Helm.template("trainerRuntime=plrd-torch-distributed"))))
                .containsEntry("PLRD_TRAINER_RUNTIME", "plrd-torch-distributed");
    }

    @Test
    void theGpuImageIsAValueOrDerivedByTheOperator() throws Exception {
        assertThat(env(operator(Helm.template()))).as("the worker image's tag with -gpu, derived by the operator")
                .doesNotContainKey("PLRD_WORKER_GPU_IMAGE");
        assertThat(env(operator(Helm.template("workerGpuImage=registry.example.com/ml/plrd-cuda:1.2.3"))))
                .containsEntry("PLRD_WORKER_GPU_IMAGE", "registry.example.com/ml/plrd-cuda:1.2.3");
    }

    @Test
    void resourcesAndReplicasAreValues() throws Exception {
        List<JsonNode> objects = Helm.template("replicas=2", "resources.requests.cpu=1", "resources.limits.memory=2Gi");
        JsonNode deployment = find(objects, "Deployment", "plrd-operator");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        JsonNode resources = operator(objects).path("resources");
        assertThat(resources.at("/requests/cpu").asText()).isEqualTo("1");
        assertThat(resources.at("/requests/memory").asText()).isEqualTo("512Mi");
        assertThat(resources.at("/limits/memory").asText()).isEqualTo("2Gi");
    }

    @Test
    void leaderElectionIsOnUnlessTurnedOffForASingleReplica() throws Exception {
        assertThat(env(operator(Helm.template()))).as("the prod profile, which activates leader election")
                .doesNotContainKey("QUARKUS_PROFILE");
        assertThat(env(operator(Helm.template("leaderElection.enabled=false"))))
                .containsEntry("QUARKUS_PROFILE", "standalone");
        assertThatThrownBy(() -> Helm.template("leaderElection.enabled=false", "replicas=2"))
                .hasMessageContaining("leaderElection.enabled=false needs replicas: 1");
    }

    @Test
    void theServiceMonitorSelectsTheMetricsService() throws Exception {
        assertThat(kinds(Helm.template())).doesNotContain("ServiceMonitor");

        List<JsonNode> objects = Helm.template("metrics.serviceMonitor.enabled=true",
                "metrics.serviceMonitor.labels.release=kube-prometheus-stack");
        JsonNode monitor = find(objects, "ServiceMonitor", "plrd-operator");
        JsonNode service = find(objects, "Service", "plrd-operator");
        assertThat(monitor.at("/metadata/namespace").asText()).isEqualTo(Helm.NAMESPACE);
        assertThat(monitor.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
        monitor.at("/spec/selector/matchLabels").fields().forEachRemaining(label -> assertThat(
                service.at("/metadata/labels/" + label.getKey().replace("/", "~1")).asText())
                .as("Service label %s", label.getKey()).isEqualTo(label.getValue().asText()));
        JsonNode endpoint = monitor.at("/spec/endpoints/0");
        assertThat(endpoint.path("port").asText()).isEqualTo(service.at("/spec/ports/0/name").asText());
        assertThat(endpoint.path("path").asText()).isEqualTo("/q/metrics");
        assertThat(endpoint.path("interval").asText()).isEqualTo("30s");
    }

    @Test
    void metricsOffDropsTheServiceTheMonitorAndTheScrapeAnnotations() throws Exception {
        List<JsonNode> objects = Helm.template("metrics.enabled=false", "metrics.serviceMonitor.enabled=true");
        assertThat(kinds(objects)).doesNotContain("Service", "ServiceMonitor").contains("Deployment");
        assertThat(find(objects, "Deployment", "plrd-operator").at("/spec/template/metadata/annotations").isMissingNode())
                .isTrue();
    }

    @Test
    void theChartLints() throws Exception {
        assertThat(Helm.run(List.of(Helm.binary(), "lint", Helm.CHART.toString(), "--strict")))
                .contains("1 chart(s) linted, 0 chart(s) failed");
    }

    /** Objects by kind/namespace/name, each without the labels Helm and kustomize set differently. */
    private static Map<String, JsonNode> byKey(List<JsonNode> objects) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode o : objects) {
            ObjectNode copy = o.deepCopy();
            ObjectNode labels = (ObjectNode) copy.with("metadata").get("labels");
            if (labels != null) {
                labels.remove(List.of("app.kubernetes.io/managed-by", "helm.sh/chart"));
                if (copy.path("kind").asText().equals("CustomResourceDefinition")) {
                    copy.with("metadata").remove("labels");
                }
            }
            String key = copy.path("kind").asText() + "/" + copy.at("/metadata/namespace").asText() + "/"
                    + copy.at("/metadata/name").asText();
            assertThat(out.put(key, copy)).as("%s rendered once", key).isNull();
        }
        return out;
    }

    private static JsonNode find(List<JsonNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)
                && o.at("/metadata/name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + kinds(objects)));
    }

    private static List<String> kinds(List<JsonNode> objects) {
        List<String> kinds = new ArrayList<>();
        objects.forEach(o -> kinds.add(o.path("kind").asText()));
        return kinds;
    }

    private static JsonNode operator(List<JsonNode> objects) {
        return find(objects, "Deployment", "plrd-operator").at("/spec/template/spec/containers/0");
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new TreeMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        return env;
    }
}
