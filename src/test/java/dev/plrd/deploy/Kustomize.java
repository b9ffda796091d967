package dev.plrd.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does, for the features deploy/ uses:
 * resources (files and directories with their own kustomization), the namespace transformer, and
 * strategic-merge patches (lists of named items merged by name, {@code $patch: delete}). CI has no
 * kubectl; a kustomization that uses anything else fails here instead of rendering wrongly.
 */
public final class Kustomize {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "namespace", "labels", "resources",
            "patches");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition");

    private Kustomize() {
    }

    /** The objects the kustomization in a directory produces. */
    public static List<JsonNode> render(Path dir) throws IOException {
        JsonNode k = readOne(dir.resolve("kustomization.yaml"));
        k.fieldNames().forEachRemaining(f -> assertThat(SUPPORTED)
                .as("%s uses %s, which this renderer does not implement", dir, f).contains(f));
        List<JsonNode> objects = new ArrayList<>();
        for (JsonNode entry : k.path("resources")) {
            Path target = dir.resolve(entry.asText()).normalize();
            objects.addAll(Files.isDirectory(target) ? render(target) : readAll(target));
        }
        for (JsonNode entry : k.path("labels")) {
            assertThat(entry.path("includeSelectors").asBoolean(false) || entry.path("includeTemplates")
                    .asBoolean(false)).as("%s: labels on selectors or templates are not implemented", dir).isFalse();
            for (JsonNode o : objects) {
                ((ObjectNode) o.path("metadata")).with("labels").setAll((ObjectNode) entry.path("pairs"));
            }
        }
        if (k.hasNonNull("namespace")) {
            for (JsonNode o : objects) {
                if (!CLUSTER_SCOPED.contains(o.path("kind").asText())) {
                    ((ObjectNode) o.path("metadata")).put("namespace", k.get("namespace").asText());
                }
            }
        }
        for (JsonNode p : k.path("patches")) {
            assertThat(p.has("target")).as("%s: patches with a target selector are not implemented", dir).isFalse();
            List<JsonNode> docs = p.has("path") ? readAll(dir.resolve(p.get("path").asText()))
                    : YAML.readValues(YAML.getFactory().createParser(p.path("patch").asText()), JsonNode.class)
                            .readAll();
            for (JsonNode patch : docs) {
                apply(dir, objects, patch);
            }
        }
        return objects;
    }

    private static void apply(Path dir, List<JsonNode> objects, JsonNode patch) {
        String kind = patch.path("kind").asText();
        String name = patch.path("metadata").path("name").asText();
        JsonNode target = objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind) && o.path("metadata").path("name").asText()
                        .equals(name))
                .findFirst().orElse(null);
        assertThat(target).as("%s patches %s %s, which the resources do not hold", dir, kind, name).isNotNull();
        if ("delete".equals(patch.path("$patch").asText())) {
            objects.remove(target);
        } else {
            merge((ObjectNode) target, (ObjectNode) patch);
        }
    }

    /** Strategic merge: maps merge, lists of items with a name merge by name, anything else is replaced. */
    private static void merge(ObjectNode target, ObjectNode patch) {
        for (Iterator<String> it = patch.fieldNames(); it.hasNext();) {
            String field = it.next();
            JsonNode from = patch.get(field);
            JsonNode into = target.get(field);
            if (from.isObject() && into != null && into.isObject()) {
                merge((ObjectNode) into, (ObjectNode) from);
            } else if (from.isArray() && into != null && into.isArray() && named(from) && named(into)) {
                for (JsonNode item : from) {
                    JsonNode same = null;
                    for (JsonNode existing : into) {
                        if (existing.path("name").equals(item.path("name"))) {
                            same = existing;
                        }
                    }
                    if (same == null) {
                        ((ArrayNode) into).add(item.deepCopy());
                    } else {
                        merge((ObjectNode) same, (ObjectNode) item);
                    }
                }
            } else {
                target.set(field, from.deepCopy());
            }
        }
    }

    private static boolean named(JsonNode array) {
        for (JsonNode item : array) {
            if (!item.isObject() || !item.has("name")) {
                return false;
            }
        }
        return true;
    }

    static Set<String> texts(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static JsonNode readOne(Path file) throws IOException {
        List<JsonNode> docs = readAll(file);
        assertThat(docs).as("%s holds one YAML document", file).hasSize(1);
        return docs.get(0);
    }

    /** The non-empty documents of a (multi-document) YAML file. */
    static List<JsonNode> readAll(Path file) throws IOException {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            return new ArrayList<>(YAML.readValues(parser, JsonNode.class).readAll().stream()
                    .filter(d -> d != null && d.isObject() && !d.isEmpty()).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(file + " is not valid YAML", e);
        }
    }
}
