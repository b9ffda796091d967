package dev.plrd.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What the post-processors add to the committed CRD, where the generator has no annotation for it. */
class CommittedCrdTest {
    private static JsonNode schema() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(Path.of("crds/modelfamilies.plrd.dev-v1.yml").toFile())
                .path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema");
    }

    @Test
    void statusConditionsIsAListMapKeyedByType() throws IOException {
        JsonNode conditions = schema().path("properties").path("status").path("properties").path("conditions");
        assertThat(conditions.path("x-kubernetes-list-type").asText()).isEqualTo("map");
        assertThat(conditions.path("x-kubernetes-list-map-keys").toString()).isEqualTo("[\"type\"]");
        assertThat(conditions.path("items").path("required").toString()).isEqualTo("[\"type\"]");
    }

    @Test
    void nodeSelectorValuesAreBoundedSoThatTheirRuleCostFitsTheApiServersBudget() throws IOException {
        JsonNode values = schema().path("properties").path("spec").path("properties").path("scheduling")
                .path("properties").path("nodeSelector").path("additionalProperties");
        assertThat(values.path("maxLength").asInt()).isEqualTo(63);
    }

    @Test
    void theFamilyNameRuleIsAtTheRoot() throws IOException {
        JsonNode rules = schema().path("x-kubernetes-validations");
        assertThat(rules.path(0).path("rule").asText()).isEqualTo(SpecRules.FAMILY_NAME);
        assertThat(rules.path(0).path("message").asText()).isEqualTo(SpecRules.FAMILY_NAME_MESSAGE);
    }
}
