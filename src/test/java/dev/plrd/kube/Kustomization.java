package dev.plrd.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code kustomize build} makes of a kustomization that uses only {@code resources} (files,
 * and folders with a kustomization of their own), {@code namespace} and {@code labels} without
 * selectors or templates: so that the tests can apply deploy/base with any kubectl, or none. Any
 * other field is refused by name rather than rendered wrongly.
 */
public final class Kustomization {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "namespace", "labels", "resources");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "CustomResourceDefinition", "ClusterRole",
            "ClusterRoleBinding", "PriorityClass", "StorageClass", "PersistentVolume",
            "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration");
    private static final Set<String> NAMESPACED = Set.of("ServiceAccount", "Role", "RoleBinding", "Deployment",
            "Service", "ConfigMap", "Secret", "PersistentVolumeClaim", "NetworkPolicy", "PodDisruptionBudget");
    /** kustomize's output order (its "legacy" order), so that namespaces and CRDs come first. */
    private static final List<String> ORDER = List.of("Namespace", "ResourceQuota", "StorageClass",
            "CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding",
            "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass",
            "PersistentVolume", "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob",
            "PodDisruptionBudget", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration");

    private Kustomization() {
    }

    /** The objects the kustomization in dir renders to, in kustomize's order. */
    public static List<ObjectNode> build(Path dir) {
        List<ObjectNode> out = render(dir);
        out.sort(Comparator.comparingInt(Kustomization::rank));
        return out;
    }

    private static List<ObjectNode> render(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        JsonNode k = read(file).get(0);
        k.fieldNames().forEachRemaining(field -> {
            if (!SUPPORTED.contains(field)) {
                throw new IllegalArgumentException(file + ": field '" + field + "' is not rendered by this test helper "
                        + "(supported: " + SUPPORTED + "); extend Kustomization or apply with kubectl -k");
            }
        });
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode resource : k.path("resources")) {
            Path path = dir.resolve(resource.asText()).normalize();
            if (Files.isDirectory(path)) {
                objects.addAll(render(path));
            } else {
                read(path).forEach(doc -> objects.add((ObjectNode) doc));
            }
        }
        if (k.hasNonNull("namespace")) {
            String namespace = k.get("namespace").asText();
            objects.forEach(o -> setNamespace(file, o, namespace));
        }
        for (JsonNode labels : k.path("labels")) {
            if (labels.path("includeSelectors").asBoolean() || labels.path("includeTemplates").asBoolean()) {
                throw new IllegalArgumentException(file + ": labels with includeSelectors or includeTemplates are not "
                        + "rendered by this test helper");
            }
            for (ObjectNode o : objects) {
                ObjectNode target = ((ObjectNode) o.get("metadata")).with("labels");
                for (Map.Entry<String, JsonNode> pair : iterable(labels.path("pairs"))) {
                    target.put(pair.getKey(), pair.getValue().asText());
                }
            }
        }
        return objects;
    }

    /**
     * As kustomize's namespace transformer: namespaced objects move to the namespace, a Namespace
     * object is renamed to it, and binding subjects are changed only for a service account named
     * "default".
     */
    private static void setNamespace(Path file, ObjectNode o, String namespace) {
        String kind = o.path("kind").asText();
        ObjectNode metadata = (ObjectNode) o.get("metadata");
        if (kind.equals("Namespace")) {
            metadata.put("name", namespace);
        } else if (NAMESPACED.contains(kind)) {
            metadata.put("namespace", namespace);
        } else if (!CLUSTER_SCOPED.contains(kind)) {
            throw new IllegalArgumentException(file + ": kind " + kind + " is not known to this test helper as "
                    + "namespaced or cluster-scoped; add it to Kustomization");
        }
        if (kind.equals("RoleBinding") || kind.equals("ClusterRoleBinding")) {
            for (JsonNode subject : o.path("subjects")) {
                if (subject.path("kind").asText().equals("ServiceAccount") && subject.path("name").asText().equals("default")) {
                    ((ObjectNode) subject).put("namespace", namespace);
                }
            }
        }
    }

    private static int rank(ObjectNode o) {
        int i = ORDER.indexOf(o.path("kind").asText());
        return i < 0 ? ORDER.size() : i;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
        return node::fields;
    }

    private static List<JsonNode> read(Path file) {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            List<JsonNode> docs = new ArrayList<>();
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
