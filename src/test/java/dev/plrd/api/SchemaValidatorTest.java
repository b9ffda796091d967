package dev.plrd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The committed CRD's OpenAPI constraints and CEL rules, evaluated outside a cluster. Each case
 * breaks one rule of a valid spec and expects exactly that rule's message on that field.
 */
class SchemaValidatorTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final SchemaValidator VALIDATOR = SchemaValidator.forModelFamily();

    private static final String VALID = """
            base:
              uri: hf://mistralai/Mistral-7B-v0.1
            members:
              - name: mistral-5b
                targetParameters: 5B
              - name: mistral-3b
                targetParameters: 3.1B
                training:
                  tokens: 2B
            training:
              dataset: s3://corpus/slimpajama
              tokens: 1B
              learningRate: 0.0001
            evaluation:
              maxPerplexityRatio: 1.5
            publish:
              repository: registry.example.com:5000/models/mistral-family
            scheduling:
              gpu: {count: 8, product: NVIDIA-H100-80GB-HBM3, stages: [train, evaluate]}
              resources: {cpu: "8", memory: 64Gi}
              startupTimeout: 1h30m
              retries: 3
            storage:
              size: 500Gi
            """;

    private static ObjectNode valid() {
        try {
            return (ObjectNode) YAML.readTree(VALID);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Violation> violations(Consumer<ObjectNode> edit) {
        ObjectNode spec = valid();
        edit.accept(spec);
        return VALIDATOR.validate(spec);
    }

    private static ObjectNode member(ObjectNode spec, int i) {
        return (ObjectNode) spec.withArray("members").get(i);
    }

    @Test
    void aValidSpecHasNoViolations() {
        assertThat(VALIDATOR.validate(valid())).isEmpty();
    }

    @Test
    void rankFractionsDecreasingAreValid() {
        assertThat(violations(s -> {
            member(s, 0).remove("targetParameters");
            member(s, 0).put("rankFraction", 0.7);
            member(s, 1).remove("targetParameters");
            member(s, 1).put("rankFraction", 0.45);
        })).isEmpty();
    }

    @Test
    void exactlyOneSizePerMember() {
        assertThat(violations(s -> member(s, 1).put("rankFraction", 0.5))).containsExactly(
                new Violation("spec.members[1]", SpecRules.ONE_SIZE_MESSAGE));
        assertThat(violations(s -> member(s, 1).remove("targetParameters"))).contains(
                new Violation("spec.members[1]", SpecRules.ONE_SIZE_MESSAGE));
    }

    @ParameterizedTest
    @CsvSource({"1.0", "1", "0", "-0.2", "1.5"})
    void rankFractionMustBeInTheOpenUnitInterval(String fraction) {
        assertThat(violations(s -> {
            member(s, 0).remove("targetParameters");
            member(s, 0).put("rankFraction", 0.9);
            member(s, 1).remove("targetParameters");
            member(s, 1).set("rankFraction", YAML.getNodeFactory().numberNode(new java.math.BigDecimal(fraction)));
        })).contains(new Violation("spec.members[1].rankFraction", SpecRules.OPEN_UNIT_INTERVAL_MESSAGE));
    }

    @Test
    void membersMustShrinkStrictly() {
        assertThat(violations(s -> member(s, 1).put("targetParameters", "5B")))
                .containsExactly(new Violation("spec.members", SpecRules.DECREASING_MESSAGE));
        assertThat(violations(s -> member(s, 1).put("targetParameters", "6000M")))
                .containsExactly(new Violation("spec.members", SpecRules.DECREASING_MESSAGE));
        // 5B then 4999999999 is a strict decrease: the counts are compared, not the text
        assertThat(violations(s -> member(s, 1).put("targetParameters", "4999999999"))).isEmpty();
        assertThat(violations(s -> {
            member(s, 0).remove("targetParameters");
            member(s, 0).put("rankFraction", 0.5);
            member(s, 1).remove("targetParameters");
            member(s, 1).put("rankFraction", 0.5);
        })).containsExactly(new Violation("spec.members", SpecRules.DECREASING_MESSAGE));
    }

    @Test
    void mixedSizingIsReportedOnceAndNotAsAnOrderingError() {
        assertThat(violations(s -> {
            member(s, 1).remove("targetParameters");
            member(s, 1).put("rankFraction", 0.3);
        })).containsExactly(new Violation("spec.members", SpecRules.SAME_SIZING_MESSAGE));
    }

    @Test
    void memberNamesAreUniqueDnsLabels() {
        assertThat(violations(s -> member(s, 1).put("name", "mistral-5b")))
                .containsExactly(new Violation("spec.members", SpecRules.UNIQUE_NAMES_MESSAGE));
        assertThat(violations(s -> member(s, 1).put("name", "Mistral_3B")))
                .containsExactly(new Violation("spec.members[1].name", SpecRules.DNS_LABEL_MESSAGE));
        assertThat(violations(s -> member(s, 1).put("name", "-m3b")))
                .containsExactly(new Violation("spec.members[1].name", SpecRules.DNS_LABEL_MESSAGE));
        assertThat(violations(s -> member(s, 1).put("name", "m".repeat(41))))
                .containsExactly(new Violation("spec.members[1].name", "may not be longer than 40 characters"));
    }

    @ParameterizedTest
    @CsvSource({"3.1b", "3.1 B", "'1,000'", "B", "0B", "0.0M", "0.4", "1001T", "3.1G", "-1B"})
    void countsMustParseAndBeInRange(String count) {
        assertThat(violations(s -> member(s, 1).put("targetParameters", count)))
                .contains(new Violation("spec.members[1].targetParameters", SpecRules.COUNT_MESSAGE));
        assertThat(violations(s -> s.with("training").put("tokens", count)))
                .containsExactly(new Violation("spec.training.tokens", SpecRules.COUNT_MESSAGE));
    }

    @ParameterizedTest
    @CsvSource({"0.5B", "500M", "7000000", "1.25T", "64K"})
    void countsThatParse(String count) {
        assertThat(violations(s -> s.with("training").put("tokens", count))).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"https://huggingface.co/mistralai/Mistral-7B-v0.1", "mistralai/Mistral-7B-v0.1", "gs://b/m", "hf://"})
    void baseUriSchemeIsOneOfTheAllowedSet(String uri) {
        assertThat(violations(s -> s.with("base").put("uri", uri)))
                .containsExactly(new Violation("spec.base.uri", SpecRules.MODEL_URI_MESSAGE));
    }

    @Test
    void otherFieldRules() {
        assertThat(violations(s -> s.with("training").put("dataset", "gs://bucket/data")))
                .containsExactly(new Violation("spec.training.dataset", SpecRules.DATA_URI_MESSAGE));
        assertThat(violations(s -> s.with("scheduling").put("runTimeout", "3d")))
                .containsExactly(new Violation("spec.scheduling.runTimeout", SpecRules.DURATION_MESSAGE));
        assertThat(violations(s -> s.with("publish").put("repository", "oci://registry.example.com/m:v1")))
                .containsExactly(new Violation("spec.publish.repository", SpecRules.REPOSITORY_MESSAGE));
        assertThat(violations(s -> s.with("scheduling").with("resources").put("memory", "64 GB")))
                .containsExactly(new Violation("spec.scheduling.resources.memory", SpecRules.QUANTITY_MESSAGE));
    }

    @Test
    void openApiConstraints() {
        assertThat(violations(s -> s.remove("publish")))
                .containsExactly(new Violation("spec.publish", "is required"));
        assertThat(violations(s -> s.with("base").remove("uri")))
                .containsExactly(new Violation("spec.base.uri", "is required"));
        assertThat(violations(s -> s.with("scheduling").put("retries", -1)))
                .containsExactly(new Violation("spec.scheduling.retries", "must be greater than or equal to 0"));
        assertThat(violations(s -> s.with("scheduling").with("gpu").put("count", 17)))
                .containsExactly(new Violation("spec.scheduling.gpu.count", "must be less than or equal to 16"));
        assertThat(violations(s -> s.with("training").put("learningRate", 0)))
                .containsExactly(new Violation("spec.training.learningRate", "must be greater than 0"));
        assertThat(violations(s -> s.with("scheduling").put("retries", "three")))
                .containsExactly(new Violation("spec.scheduling.retries", "must be of type integer"));
        assertThat(violations(s -> s.with("decomposition").put("method", "svd")))
                .containsExactly(new Violation("spec.decomposition.method",
                        "unsupported value \"svd\": supported values are \"exact\", \"randomized\""));
        assertThat(violations(s -> s.withArray("members").removeAll()))
                .contains(new Violation("spec.members", "must have at least 1 item(s)"));
        assertThat(violations(s -> s.with("training").put("epochs", 3)))
                .containsExactly(new Violation("spec.training.epochs", "unknown field"));
    }

    @Test
    void everyViolationIsReportedInDocumentOrder() {
        List<Violation> found = violations(s -> {
            s.with("base").put("uri", "ftp://x");
            member(s, 0).put("name", "UPPER");
            s.with("scheduling").put("retries", 99);
        });
        assertThat(found).extracting(Violation::field)
                .containsExactly("spec.base.uri", "spec.members[0].name", "spec.scheduling.retries");
        assertThat(SchemaValidator.summary(found)).startsWith("spec.base.uri: " + SpecRules.MODEL_URI_MESSAGE)
                .endsWith("(and 2 more: spec.members[0].name, spec.scheduling.retries)");
    }

    @Test
    void aSchemaKeywordTheValidatorDoesNotKnowIsRefused() throws Exception {
        JsonNode crd = YAML.readTree("""
                spec:
                  versions:
                    - schema:
                        openAPIV3Schema:
                          properties:
                            spec:
                              type: object
                              properties:
                                name: {type: string, pattern: "^[a-z]+$"}
                """);
        assertThatThrownBy(() -> new SchemaValidator(crd))
                .hasMessageContaining("'pattern'").hasMessageContaining("spec.name");
    }

    @Test
    void aRuleThatDoesNotCompileIsRefusedAtLoad() throws Exception {
        JsonNode crd = YAML.readTree("""
                spec:
                  versions:
                    - schema:
                        openAPIV3Schema:
                          properties:
                            spec:
                              type: object
                              x-kubernetes-validations:
                                - rule: "self.undefinedFunction()"
                                  message: never
                """);
        assertThatThrownBy(() -> new SchemaValidator(crd)).hasMessageContaining("does not compile");
    }
}
