package dev.plrd.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `kubectl explain modelfamily.spec` and `.status` describe every field: the committed CRD has no bare property. */
class CrdDescriptionsTest {
    private static JsonNode schema() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(Path.of("crds/modelfamilies.plrd.dev-v1.yml").toFile())
                .path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema");
    }

    @Test
    void everyPropertyOfSpecAndStatusHasADescription() throws IOException {
        JsonNode root = schema();
        List<String> bare = new ArrayList<>();
        List<String> described = new ArrayList<>();
        for (String top : List.of("spec", "status")) {
            assertThat(root.path("properties").has(top)).as(top).isTrue();
            walk(top, root.path("properties").path(top), bare, described);
        }
        assertThat(bare).as("properties without a description").isEmpty();
        // the walk reaches the nested levels: list items, maps, and the fields of metav1 Condition
        assertThat(described).contains("spec.scheduling.tolerations[].effect", "status.conditions[].lastTransitionTime",
                "status.members[].stages[].outputs.evaluation").hasSizeGreaterThan(100);
    }

    private static void walk(String path, JsonNode property, List<String> bare, List<String> described) {
        if (property.path("description").asText("").isBlank()) {
            bare.add(path);
        } else {
            described.add(path);
        }
        children(path, property, bare, described);
    }

    private static void children(String path, JsonNode node, List<String> bare, List<String> described) {
        for (Map.Entry<String, JsonNode> field : node.path("properties").properties()) {
            walk(path + "." + field.getKey(), field.getValue(), bare, described);
        }
        if (node.has("items")) {
            children(path + "[]", node.path("items"), bare, described);
        }
        if (node.path("additionalProperties").isObject()) {
            children(path + "{}", node.path("additionalProperties"), bare, described);
        }
    }
}
