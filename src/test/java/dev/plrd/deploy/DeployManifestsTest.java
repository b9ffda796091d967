package dev.plrd.deploy;

import static dev.plrd.deploy.Kustomize.readAll;
import static dev.plrd.deploy.Kustomize.readOne;
import static dev.plrd.deploy.Kustomize.texts;
import static dev.plrd.deploy.Rbac.grant;
import static dev.plrd.deploy.Rbac.grants;
import static dev.plrd.deploy.Rbac.grantsOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.api.SchemaValidator;
import dev.plrd.api.Violation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks the install manifests (deploy/), the CRD kustomization (crds/) and the example
 * ModelFamilies (examples/) without a cluster and without kubectl: what kustomize would refuse to
 * load, RBAC that grants more than the operator's API calls need, an operator pod that is not
 * locked down, and examples that the API server would reject.
 */
class DeployManifestsTest {

    private static final Path DEPLOY = Path.of("deploy");
    private static final Path BASE = DEPLOY.resolve("base");
    private static final Path CRDS = Path.of("crds");
    private static final Path EXAMPLES = Path.of("examples");
    private static final Set<String> KUSTOMIZATION_NAMES = Set.of("kustomization.yaml", "kustomization.yml",
            "Kustomization");

    private static final String NAMESPACE = "plrd-system";
    private static final String SERVICE_ACCOUNT = "plrd-operator";
    /** The Lease the operator elects its leader with (the RBAC names it). */
    private static final String LEASE = dev.plrd.operator.LeaderElection.LEASE;

    /**
     * The operator's API calls, and nothing more: each grant is group/resource:verb, with
     * [name] when the rule is limited to one object. Change it together with deploy/base/rbac.yaml
     * and deploy/README.md when the operator starts (or stops) making a call.
     */
    private static final Set<String> CLUSTER_GRANTS = grants(
            grant("plrd.dev", "modelfamilies", "list", "watch"),
            grant("plrd.dev", "modelfamilies/status", "patch"),
            // blockOwnerDeletion on the owner references of Jobs and the claim (OwnerReferencesPermissionEnforcement)
            grant("plrd.dev", "modelfamilies/finalizers", "update"),
            // get: a recorded Job the informer's cache lacks is read before the stage counts it as deleted
            grant("batch", "jobs", "get", "list", "watch", "create", "delete"),
            // multi-node train stages: create-only like Jobs, so no update or patch
            grant("trainer.kubeflow.org", "trainjobs", "get", "list", "watch", "create", "delete"),
            grant("", "pods", "list", "watch"),
            grant("", "persistentvolumeclaims", "create"),
            grant("", "events", "create"));

    /**
     * Leader election, in the operator's namespace only. Create cannot be limited by name in RBAC;
     * Fabric8 renews with patch; JOSDK's startup check demands update (LeaderElectionRbacTest).
     */
    private static final Set<String> LEASE_GRANTS = grants(
            grant("coordination.k8s.io", "leases", "create"),
            grant("coordination.k8s.io", "leases[" + LEASE + "]", "get", "patch", "update"));

    /** The overlay that binds the ClusterRole per watched namespace, with the namespaces it watches. */
    private static final Path NAMESPACED = DEPLOY.resolve("namespaced");
    private static final String WATCHED_NAMESPACES_ENV = "QUARKUS_OPERATOR_SDK_CONTROLLERS_MODELFAMILY_NAMESPACES";

    // ---------------------------------------------------------------- kustomizations

    @TestFactory
    Stream<DynamicTest> everyKustomizationListsOnlyWhatExists() throws IOException {
        List<Path> kustomizations = new ArrayList<>();
        for (Path root : List.of(DEPLOY, CRDS)) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(p -> KUSTOMIZATION_NAMES.contains(p.getFileName().toString())).sorted()
                        .forEach(kustomizations::add);
            }
        }
        assertThat(kustomizations).as("kustomizations under deploy/ and crds/")
                .contains(BASE.resolve("kustomization.yaml"), CRDS.resolve("kustomization.yaml"));
        return kustomizations.stream().map(k -> DynamicTest.dynamicTest(k.toString(), () -> checkKustomization(k)));
    }

    private static void checkKustomization(Path kustomization) throws IOException {
        Path dir = kustomization.getParent();
        JsonNode k = readOne(kustomization);
        assertThat(k.path("kind").asText("Kustomization")).as("%s kind", kustomization).isIn("Kustomization",
                "Component");
        for (String field : List.of("resources", "bases", "components")) {
            for (JsonNode entry : k.path(field)) {
                String ref = entry.asText();
                assertThat(ref).as("%s %s entry is a local path (CI has no network)", kustomization, field)
                        .doesNotContain("://").doesNotStartWith("github.com/");
                Path target = dir.resolve(ref).normalize();
                assertThat(target).as("%s lists %s", kustomization, ref).exists();
                if (Files.isDirectory(target)) {
                    assertThat(KUSTOMIZATION_NAMES.stream().anyMatch(n -> Files.isRegularFile(target.resolve(n))))
                            .as("%s lists directory %s, which has no kustomization.yaml", kustomization, ref)
                            .isTrue();
                } else {
                    assertWithinRoot(kustomization, dir, target, ref);
                    assertThat(readAll(target)).as("%s lists %s, which holds no Kubernetes object", kustomization,
                            ref).isNotEmpty();
                }
            }
        }
        List<String> files = new ArrayList<>();
        k.path("crds").forEach(f -> files.add(f.asText()));
        k.path("patchesStrategicMerge").forEach(f -> files.add(f.asText()));
        k.path("patches").forEach(p -> {
            if (p.has("path")) {
                files.add(p.get("path").asText());
            }
        });
        for (String generator : List.of("configMapGenerator", "secretGenerator")) {
            for (JsonNode g : k.path(generator)) {
                // files entries are "path" or "key=path"; envs are paths.
                g.path("files").forEach(f -> files.add(f.asText().substring(f.asText().indexOf('=') + 1)));
                g.path("envs").forEach(f -> files.add(f.asText()));
                if (g.has("env")) {
                    files.add(g.get("env").asText());
                }
            }
        }
        for (String ref : files) {
            Path target = dir.resolve(ref).normalize();
            assertThat(target).as("%s refers to %s", kustomization, ref).isRegularFile();
            assertWithinRoot(kustomization, dir, target, ref);
        }
    }

    // kustomize's default load restrictor (LoadRestrictionsRootOnly) refuses files outside the
    // kustomization's own directory; only directories with their own kustomization may be elsewhere.
    private static void assertWithinRoot(Path kustomization, Path dir, Path target, String ref) {
        assertThat(target.toAbsolutePath().normalize().startsWith(dir.toAbsolutePath().normalize()))
                .as("%s loads file %s from outside its directory; kustomize's load restrictor refuses that "
                        + "(list a directory with its own kustomization.yaml instead)", kustomization, ref)
                .isTrue();
    }

    @Test
    void baseInstallsIntoItsNamespaceWithTheCrd() throws IOException {
        JsonNode k = readOne(BASE.resolve("kustomization.yaml"));
        assertThat(k.path("namespace").asText()).isEqualTo(NAMESPACE);
        assertThat(texts(k.path("resources"))).contains("../../crds", "namespace.yaml", "serviceaccount.yaml",
                "rbac.yaml", "deployment.yaml", "service.yaml");
        assertThat(baseObjects()).anySatisfy(o -> {
            assertThat(o.path("kind").asText()).isEqualTo("Namespace");
            assertThat(name(o)).isEqualTo(NAMESPACE);
        });
    }

    @Test
    void everyYamlInBaseParsesAndIsListed() throws IOException {
        JsonNode k = readOne(BASE.resolve("kustomization.yaml"));
        Set<String> listed = texts(k.path("resources"));
        List<Path> yamls;
        try (Stream<Path> files = Files.walk(BASE)) {
            yamls = files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted()
                    .toList();
        }
        assertThat(yamls).isNotEmpty();
        for (Path yaml : yamls) {
            List<JsonNode> docs = readAll(yaml);
            assertThat(docs).as("%s", yaml).isNotEmpty();
            if (KUSTOMIZATION_NAMES.contains(yaml.getFileName().toString())) {
                continue;
            }
            assertThat(listed).as("%s is not listed in deploy/base/kustomization.yaml, so it is never applied",
                    yaml).contains(BASE.relativize(yaml).toString());
            for (JsonNode doc : docs) {
                assertThat(doc.path("apiVersion").asText()).as("%s apiVersion", yaml).isNotEmpty();
                assertThat(doc.path("kind").asText()).as("%s kind", yaml).isNotEmpty();
                assertThat(name(doc)).as("%s metadata.name", yaml).isNotEmpty();
            }
        }
    }

    // ---------------------------------------------------------------- RBAC

    @Test
    void clusterRoleGrantsExactlyTheOperatorsApiCalls() throws IOException {
        List<JsonNode> clusterRoles = ofKind("ClusterRole");
        assertThat(clusterRoles).as("ClusterRoles in deploy/base").hasSize(1);
        JsonNode role = clusterRoles.get(0);
        assertThat(role.has("aggregationRule")).as("an aggregated ClusterRole grants what others add").isFalse();
        assertThat(grantsOf(role)).as("ClusterRole %s", name(role)).containsExactlyInAnyOrderElementsOf(CLUSTER_GRANTS);

        List<JsonNode> bindings = ofKind("ClusterRoleBinding");
        assertThat(bindings).hasSize(1);
        assertBinds(bindings.get(0), "ClusterRole", name(role));
    }

    @Test
    void leasesAreGrantedOnlyByARoleInTheOperatorsNamespace() throws IOException {
        for (JsonNode clusterRole : ofKind("ClusterRole")) {
            assertThat(grantsOf(clusterRole)).as("ClusterRole %s must not grant leases", name(clusterRole))
                    .noneMatch(g -> g.contains("leases"));
        }
        List<JsonNode> roles = ofKind("Role");
        assertThat(roles).as("Roles in deploy/base").hasSize(1);
        JsonNode role = roles.get(0);
        assertThat(role.path("metadata").path("namespace").asText(NAMESPACE)).isEqualTo(NAMESPACE);
        assertThat(grantsOf(role)).as("Role %s", name(role)).containsExactlyInAnyOrderElementsOf(LEASE_GRANTS);

        List<JsonNode> bindings = ofKind("RoleBinding");
        assertThat(bindings).hasSize(1);
        assertThat(bindings.get(0).path("metadata").path("namespace").asText(NAMESPACE)).isEqualTo(NAMESPACE);
        assertBinds(bindings.get(0), "Role", name(role));
    }

    @Test
    void theGrantCheckCatchesABroadenedRule() throws IOException {
        ObjectNode role = (ObjectNode) ofKind("ClusterRole").get(0).deepCopy();
        ((ArrayNode) ruleFor(role, "jobs").withArray("verbs")).add("update");
        assertThat(grantsOf(role)).isNotEqualTo(CLUSTER_GRANTS).contains("batch/jobs:update");

        ObjectNode patchable = (ObjectNode) ofKind("ClusterRole").get(0).deepCopy();
        ((ArrayNode) ruleFor(patchable, "trainjobs").withArray("verbs")).add("patch");
        assertThat(grantsOf(patchable)).as("TrainJobs are create-only").isNotEqualTo(CLUSTER_GRANTS)
                .contains("trainer.kubeflow.org/trainjobs:patch");

        ObjectNode wildcard = (ObjectNode) ofKind("ClusterRole").get(0).deepCopy();
        ((ArrayNode) ruleFor(wildcard, "pods").withArray("resources")).removeAll().add("*");
        assertThat(grantsOf(wildcard)).isNotEqualTo(CLUSTER_GRANTS);
    }

    private static ObjectNode ruleFor(ObjectNode role, String resource) {
        for (JsonNode rule : role.withArray("rules")) {
            if (texts(rule.path("resources")).contains(resource)) {
                return (ObjectNode) rule;
            }
        }
        throw new AssertionError("no rule for " + resource);
    }

    @Test
    void baseGrantsTheOperatorItsCallsInEveryNamespace() throws IOException {
        List<JsonNode> base = Kustomize.render(BASE);
        assertThat(Rbac.grantsFor(base, "any-namespace", NAMESPACE, SERVICE_ACCOUNT)).isEqualTo(CLUSTER_GRANTS);
        assertThat(Rbac.grantsFor(base, NAMESPACE, NAMESPACE, SERVICE_ACCOUNT))
                .isEqualTo(grants(CLUSTER_GRANTS, LEASE_GRANTS));
    }

    @Test
    void namespacedOverlayGrantsTheOperatorItsCallsOnlyWhereItWatches() throws IOException {
        List<JsonNode> objects = Kustomize.render(NAMESPACED);
        JsonNode container = objects.stream().filter(o -> o.path("kind").asText().equals("Deployment"))
                .findFirst().orElseThrow().path("spec").path("template").path("spec").path("containers").get(0);
        String watched = env(container).get(WATCHED_NAMESPACES_ENV);
        assertThat(watched).as("the overlay sets %s", WATCHED_NAMESPACES_ENV).isNotBlank()
                .isNotEqualTo("JOSDK_ALL_NAMESPACES");
        List<String> namespaces = List.of(watched.split(","));
        assertThat(namespaces).as("watched namespaces").doesNotContain(NAMESPACE).allSatisfy(ns -> assertThat(ns)
                .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"));

        assertThat(objects).as("no cluster-wide binding").noneMatch(o -> o.path("kind").asText()
                .equals("ClusterRoleBinding"));
        assertThat(Rbac.grantsFor(objects, null, NAMESPACE, SERVICE_ACCOUNT)).as("cluster-wide").isEmpty();
        for (String ns : namespaces) {
            assertThat(Rbac.grantsFor(objects, ns, NAMESPACE, SERVICE_ACCOUNT)).as("in %s", ns)
                    .isEqualTo(CLUSTER_GRANTS);
        }
        assertThat(Rbac.grantsFor(objects, "not-watched", NAMESPACE, SERVICE_ACCOUNT)).as("elsewhere").isEmpty();
        assertThat(Rbac.grantsFor(objects, NAMESPACE, NAMESPACE, SERVICE_ACCOUNT)).as("in %s", NAMESPACE)
                .isEqualTo(LEASE_GRANTS);
        assertThat(objects).filteredOn(o -> o.path("kind").asText().equals("RoleBinding"))
                .extracting(o -> o.path("metadata").path("namespace").asText())
                .as("a RoleBinding per watched namespace, and leader election's")
                .containsExactlyInAnyOrderElementsOf(concat(namespaces, NAMESPACE));
    }

    private static List<String> concat(List<String> list, String one) {
        List<String> out = new ArrayList<>(list);
        out.add(one);
        return out;
    }

    private static void assertBinds(JsonNode binding, String roleKind, String roleName) {
        assertThat(binding.path("roleRef").path("kind").asText()).isEqualTo(roleKind);
        assertThat(binding.path("roleRef").path("name").asText()).isEqualTo(roleName);
        assertThat(binding.path("subjects")).hasSize(1);
        JsonNode subject = binding.path("subjects").get(0);
        assertThat(subject.path("kind").asText()).isEqualTo("ServiceAccount");
        assertThat(subject.path("name").asText()).isEqualTo(SERVICE_ACCOUNT);
        assertThat(subject.path("namespace").asText()).isEqualTo(NAMESPACE);
    }

    // ---------------------------------------------------------------- Deployment

    @Test
    void operatorPodIsLockedDownAndProbed() throws IOException {
        List<JsonNode> deployments = ofKind("Deployment");
        assertThat(deployments).hasSize(1);
        JsonNode deployment = deployments.get(0);
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        assertThat(pod.path("serviceAccountName").asText()).isEqualTo(SERVICE_ACCOUNT);
        assertThat(ofKind("ServiceAccount")).extracting(DeployManifestsTest::name).containsExactly(SERVICE_ACCOUNT);
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).as("the operator needs its token")
                .isTrue();

        JsonNode podSecurity = pod.path("securityContext");
        assertThat(podSecurity.path("runAsNonRoot").asBoolean()).as("pod runAsNonRoot").isTrue();
        assertThat(podSecurity.path("runAsUser").asLong(0)).as("pod runAsUser").isPositive();
        assertThat(podSecurity.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");

        assertThat(pod.path("containers")).hasSize(1);
        JsonNode container = pod.path("containers").get(0);
        JsonNode security = container.path("securityContext");
        assertThat(security.path("runAsNonRoot").asBoolean(podSecurity.path("runAsNonRoot").asBoolean())).isTrue();
        assertThat(security.path("runAsUser").asLong(podSecurity.path("runAsUser").asLong(0))).isPositive();
        assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as("readOnlyRootFilesystem").isTrue();
        assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).as("allowPrivilegeEscalation")
                .isFalse();
        assertThat(texts(security.path("capabilities").path("drop"))).contains("ALL");
        assertThat(security.path("privileged").asBoolean(false)).isFalse();
        assertThat(security.path("capabilities").path("add").isMissingNode()
                || security.path("capabilities").path("add").isEmpty()).as("capabilities.add").isTrue();

        // With a read-only root filesystem, /tmp must be a writable emptyDir.
        String tmpVolume = null;
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals("/tmp")) {
                tmpVolume = mount.path("name").asText();
            }
        }
        assertThat(tmpVolume).as("a volume mounted at /tmp").isNotNull();
        String tmp = tmpVolume;
        assertThat(pod.path("volumes")).anySatisfy(v -> {
            assertThat(v.path("name").asText()).isEqualTo(tmp);
            assertThat(v.has("emptyDir")).isTrue();
        });

        assertThat(texts(container.path("args"))).containsExactly("operator");
        String image = container.path("image").asText();
        assertThat(image).isNotEmpty().doesNotEndWith(":latest").contains(":");
        assertThat(env(container)).as("PLRD_WORKER_IMAGE is the operator's own image").containsEntry(
                "PLRD_WORKER_IMAGE", image);

        assertProbe(container, "startupProbe", null);
        assertProbe(container, "livenessProbe", "/q/health/live");
        assertProbe(container, "readinessProbe", "/q/health/ready");

        JsonNode resources = container.path("resources");
        assertThat(resources.path("requests").path("cpu").asText()).isNotEmpty();
        assertThat(resources.path("requests").path("memory").asText()).isNotEmpty();
        assertThat(resources.path("limits").path("memory").asText()).isNotEmpty();

        JsonNode annotations = deployment.path("spec").path("template").path("metadata").path("annotations");
        assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
        assertThat(annotations.path("prometheus.io/port").asText()).isEqualTo("8080");
        assertThat(annotations.path("prometheus.io/path").asText()).isEqualTo("/q/metrics");

        // The selector picks the template's pods, and the Service picks the same pods on port http (8080).
        Map<String, String> podLabels = strings(deployment.path("spec").path("template").path("metadata")
                .path("labels"));
        assertThat(podLabels).containsAllEntriesOf(strings(deployment.path("spec").path("selector")
                .path("matchLabels")));
        List<JsonNode> services = ofKind("Service");
        assertThat(services).hasSize(1);
        JsonNode service = services.get(0);
        assertThat(podLabels).containsAllEntriesOf(strings(service.path("spec").path("selector")));
        assertThat(service.path("spec").path("ports")).anySatisfy(p -> {
            assertThat(p.path("name").asText()).isEqualTo("http");
            assertThat(p.path("port").asInt()).isEqualTo(8080);
            assertThat(resolvePort(container, p.path("targetPort"))).isEqualTo(8080);
        });
    }

    private static void assertProbe(JsonNode container, String probeName, String path) {
        JsonNode probe = container.path(probeName);
        assertThat(probe.isObject()).as("%s is set", probeName).isTrue();
        JsonNode http = probe.path("httpGet");
        assertThat(http.isObject()).as("%s is an httpGet probe", probeName).isTrue();
        assertThat(http.path("path").asText()).as("%s path", probeName).startsWith("/q/health");
        if (path != null) {
            assertThat(http.path("path").asText()).as("%s path", probeName).isEqualTo(path);
        }
        assertThat(resolvePort(container, http.path("port"))).as("%s port", probeName).isEqualTo(8080);
    }

    private static int resolvePort(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        return -1;
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> out = new LinkedHashMap<>();
        container.path("env").forEach(e -> out.put(e.path("name").asText(), e.path("value").asText(null)));
        return out;
    }

    // ---------------------------------------------------------------- examples

    @TestFactory
    Stream<DynamicTest> everyExampleIsAValidModelFamily() throws IOException {
        List<Path> examples;
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            examples = files.filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(examples).extracting(p -> p.getFileName().toString()).contains("mistral-7b-family.yaml",
                "llama2-7b-family.yaml", "kueue-spot-family.yaml");
        return examples.stream().map(example -> DynamicTest.dynamicTest(example.toString(), () -> {
            List<JsonNode> docs = readAll(example);
            assertThat(docs).as("%s holds a manifest", example).isNotEmpty();
            for (JsonNode doc : docs) {
                assertThat(doc.path("apiVersion").asText()).as("%s apiVersion", example).isEqualTo("plrd.dev/v1alpha1");
                assertThat(doc.path("kind").asText()).as("%s kind", example).isEqualTo("ModelFamily");
                assertThat(name(doc)).as("%s metadata.name", example).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
                assertThat(doc.path("metadata").path("namespace").asText()).as("%s metadata.namespace", example)
                        .isEqualTo("ml-team");
                assertThat(validate(doc.path("spec"))).as("%s: violations", example).isEmpty();
            }
        }));
    }

    @Test
    void aBrokenExampleIsRejected() throws IOException {
        JsonNode example = readOne(EXAMPLES.resolve("mistral-7b-family.yaml"));
        assertThat(validate(example.path("spec"))).isEmpty();

        // Members in increasing size: member k must be smaller than member k-1.
        ObjectNode growing = (ObjectNode) example.path("spec").deepCopy();
        ArrayNode members = growing.withArray("members");
        JsonNode first = members.remove(0);
        members.add(first);
        assertThat(validate(growing)).anySatisfy(v -> {
            assertThat(v.field()).isEqualTo("spec.members");
            assertThat(v.message()).contains("largest to smallest");
        });

        // A misspelt field is not silently ignored.
        ObjectNode typo = (ObjectNode) example.path("spec").deepCopy();
        typo.set("trainning", typo.remove("training"));
        assertThat(validate(typo)).extracting(Violation::field).contains("spec.trainning", "spec.training");
    }

    private static List<Violation> validate(JsonNode spec) {
        return SchemaValidator.forModelFamily().validate(spec);
    }

    // ---------------------------------------------------------------- YAML

    /** Every object deploy/base renders to, the CRD included. */
    private static List<JsonNode> baseObjects() throws IOException {
        return Kustomize.render(BASE);
    }

    private static List<JsonNode> ofKind(String kind) throws IOException {
        return baseObjects().stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    private static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
