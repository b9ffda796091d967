package dev.plrd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
    private static final Violation RULES_NOT_CHECKED =
            new Violation(SchemaValidator.OBJECT, SchemaValidator.RULES_NOT_CHECKED);

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
        // the same size written two ways is not a decrease
        assertThat(violations(s -> {
            member(s, 0).put("targetParameters", "3B");
            member(s, 1).put("targetParameters", "3000M");
        })).containsExactly(new Violation("spec.members", SpecRules.DECREASING_MESSAGE));
        assertThat(violations(s -> {
            member(s, 0).put("targetParameters", "3.0B");
            member(s, 1).put("targetParameters", "3B");
        })).containsExactly(new Violation("spec.members", SpecRules.DECREASING_MESSAGE));
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
                .containsExactly(new Violation("spec.members[1].name", "Too long: may not be more than 40 bytes"),
                        RULES_NOT_CHECKED);
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
                .containsExactly(new Violation("spec.publish", "Required value"), RULES_NOT_CHECKED);
        assertThat(violations(s -> s.with("base").remove("uri")))
                .containsExactly(new Violation("spec.base.uri", "Required value"), RULES_NOT_CHECKED);
        assertThat(violations(s -> s.with("scheduling").put("retries", -1)))
                .containsExactly(new Violation("spec.scheduling.retries", "should be greater than or equal to 0"));
        assertThat(violations(s -> s.with("scheduling").with("gpu").put("count", 17)))
                .containsExactly(new Violation("spec.scheduling.gpu.count", "should be less than or equal to 16"));
        assertThat(violations(s -> s.with("training").put("learningRate", 0)))
                .containsExactly(new Violation("spec.training.learningRate", "should be greater than 0"));
        assertThat(violations(s -> s.with("scheduling").put("retries", "three")))
                .containsExactly(new Violation("spec.scheduling.retries", "must be of type integer"), RULES_NOT_CHECKED);
        assertThat(violations(s -> s.with("decomposition").put("method", "svd")))
                .containsExactly(new Violation("spec.decomposition.method",
                        "Unsupported value: \"svd\": supported values: \"exact\", \"randomized\""), RULES_NOT_CHECKED);
        assertThat(violations(s -> s.withArray("members").removeAll()))
                .contains(new Violation("spec.members", "should have at least 1 items"));
    }

    @Test
    void unknownFieldsAreNamedWithTheirPath() {
        assertThat(violations(s -> {
            s.with("training").put("epochs", 3);
            member(s, 1).put("extra", true);
            s.with("base").put("uri", "ftp://x");
        })).containsExactly(new Violation("spec.members[1].extra", "unknown field \"spec.members[1].extra\""),
                new Violation("spec.training.epochs", "unknown field \"spec.training.epochs\""),
                new Violation("spec.base.uri", SpecRules.MODEL_URI_MESSAGE));
    }

    /**
     * A missing required field, or a value of the wrong type, outside its enum or over a size limit
     * blocks every CEL rule, as in the API server. Other schema errors do not.
     */
    @Test
    void aSizeOrTypeErrorBlocksTheRulesAndOtherSchemaErrorsDoNot() {
        assertThat(violations(s -> {
            s.with("storage").put("size", "9".repeat(40));
            member(s, 1).put("targetParameters", "5B");
        })).containsExactly(new Violation("spec.storage.size", "Too long: may not be more than 32 bytes"),
                RULES_NOT_CHECKED);
        assertThat(violations(s -> {
            member(s, 0).remove("name");
            member(s, 1).put("targetParameters", "5B");
        })).containsExactly(new Violation("spec.members[0].name", "Required value"), RULES_NOT_CHECKED);
        assertThat(violations(s -> {
            s.with("scheduling").put("retries", -1);
            member(s, 1).put("targetParameters", "5B");
        })).containsExactly(new Violation("spec.scheduling.retries", "should be greater than or equal to 0"),
                new Violation("spec.members", SpecRules.DECREASING_MESSAGE));
    }

    @Test
    void aMemberListOverItsLimitIsRefusedForItsSizeWithoutEvaluatingTheListRules() {
        List<Violation> found = violations(s -> {
            ArrayNode members = s.withArray("members");
            members.removeAll();
            for (int i = 0; i < 5000; i++) {
                members.addObject().put("name", "m").put("targetParameters", "1B");
            }
        });
        assertThat(found).containsExactly(new Violation("spec.members", "Too many: 5000: must have at most 16 items"),
                RULES_NOT_CHECKED);
    }

    @Test
    void violationsComeInTheApiServersOrderSchemaThenRulesEachByFieldName() {
        List<Violation> found = violations(s -> {
            s.with("scheduling").put("retries", 99);
            member(s, 0).put("name", "UPPER");
            s.with("base").put("uri", "ftp://x");
        });
        assertThat(found).extracting(Violation::field)
                .containsExactly("spec.scheduling.retries", "spec.base.uri", "spec.members[0].name");
        assertThat(SchemaValidator.summary(found)).startsWith("spec.scheduling.retries: should be less than or equal to 20")
                .endsWith("(and 2 more: spec.base.uri, spec.members[0].name)");
    }

    private static String message(String rule) {
        try {
            return (String) SpecRules.class.getField(rule + "_MESSAGE").get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(rule, e);
        }
    }

    /** Free-form fields that reach a worker's command line, a Job's fields or a label: a strict pattern each. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "base|revision|@/proc/self/environ|REVISION", "base|revision|--help|REVISION",
            "base|revision|../../etc|REVISION", "base|revision|main branch|REVISION",
            "base|credentialsSecret|Bad_Secret|DNS_SUBDOMAIN", "training|credentialsSecret|-secret|DNS_SUBDOMAIN",
            "publish|credentialsSecret|a..b|DNS_SUBDOMAIN", "scheduling|priorityClassName|@high|DNS_SUBDOMAIN",
            "scheduling|queueName|Spot Queue|DNS_SUBDOMAIN", "storage|storageClassName|-fast|DNS_SUBDOMAIN",
            "storage|size|0|QUANTITY", "storage|size|0.0Gi|QUANTITY", "scheduling.resources|cpu|0m|QUANTITY",
            "base|uri|hf://org/model --revision x|MODEL_URI", "training|dataset|s3://bucket/data\tx|DATA_URI",
            "evaluation|dataset|file:///data set|DATA_URI", "scheduling.gpu|product|NVIDIA H100|LABEL_VALUE",
            "scheduling.gpu|product|-H100|LABEL_VALUE"})
    void freeFormFieldsHaveStrictPatterns(String object, String field, String value, String rule) {
        assertThat(violations(s -> at(s, object).put(field, value)))
                .containsExactly(new Violation("spec." + object + "." + field, message(rule)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "base|revision|26bca36bde8333b5d7f72e9ed20ccda6a618af24", "base|revision|refs/tags/v1.0",
            "base|revision|sha256:0123abcd", "base|credentialsSecret|hf-token.v2", "scheduling|queueName|spot-gpus",
            "storage|size|0.5Gi", "scheduling.gpu|product|NVIDIA-H100-80GB-HBM3", "scheduling.gpu|product|''",
            "base|uri|hf://org/model?x=1#y"})
    void strictPatternsStillAcceptOrdinaryValues(String object, String field, String value) {
        assertThat(violations(s -> at(s, object).put(field, value))).isEmpty();
    }

    private static ObjectNode at(ObjectNode spec, String dottedPath) {
        ObjectNode node = spec;
        for (String part : dottedPath.split("\\.")) {
            node = node.with(part);
        }
        return node;
    }

    @ParameterizedTest
    @CsvSource({"-ghcr.io/plrd:1", "@/etc/passwd", "ghcr.io/Org/Plrd:1", "ghcr.io/plrd:1 --privileged",
            "ghcr.io/plrd@sha256:abc"})
    void theImageIsAnImageReference(String image) {
        assertThat(violations(s -> s.put("image", image)))
                .containsExactly(new Violation("spec.image", SpecRules.IMAGE_MESSAGE));
    }

    @ParameterizedTest
    @CsvSource({"ghcr.io/org/plrd:0.1", "plrd", "localhost:5000/plrd/worker",
            "ghcr.io/org/plrd@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
    void imageReferencesThatAreAccepted(String image) {
        assertThat(violations(s -> s.put("image", image))).isEmpty();
    }

    @Test
    void nodeSelectorKeysAndValuesAreLabelKeysAndValues() {
        assertThat(violations(s -> s.with("scheduling").with("nodeSelector")
                .put("cloud.google.com/gke-spot", "true").put("nvidia.com/gpu.product", "NVIDIA-H100"))).isEmpty();
        assertThat(violations(s -> s.with("scheduling").with("nodeSelector").put("bad key", "v")))
                .containsExactly(new Violation("spec.scheduling.nodeSelector", SpecRules.NODE_SELECTOR_KEYS_MESSAGE));
        assertThat(violations(s -> s.with("scheduling").with("nodeSelector").put("Example.com/x", "v")))
                .containsExactly(new Violation("spec.scheduling.nodeSelector", SpecRules.NODE_SELECTOR_KEYS_MESSAGE));
        assertThat(violations(s -> s.with("scheduling").with("nodeSelector").put("zone", "-a")))
                .containsExactly(new Violation("spec.scheduling.nodeSelector", SpecRules.NODE_SELECTOR_VALUES_MESSAGE));
        assertThat(violations(s -> s.with("scheduling").with("nodeSelector").put("zone", "a".repeat(64))))
                .containsExactly(new Violation("spec.scheduling.nodeSelector.zone", "Too long: may not be more than 63 bytes"),
                        RULES_NOT_CHECKED);
    }

    @Test
    void tolerationKeysAndValuesAreLabelKeysAndValues() {
        assertThat(violations(s -> s.with("scheduling").withArray("tolerations").addObject().put("operator", "Exists")))
                .isEmpty();
        assertThat(violations(s -> s.with("scheduling").withArray("tolerations").addObject()
                .put("key", "cloud.google.com/gke-spot").put("value", "true"))).isEmpty();
        assertThat(violations(s -> s.with("scheduling").withArray("tolerations").addObject().put("key", "-k")))
                .containsExactly(new Violation("spec.scheduling.tolerations[0].key", SpecRules.TAINT_KEY_MESSAGE));
        assertThat(violations(s -> s.with("scheduling").withArray("tolerations").addObject().put("value", "a b")))
                .containsExactly(new Violation("spec.scheduling.tolerations[0].value", SpecRules.LABEL_VALUE_MESSAGE));
    }

    private static ObjectNode object(String name) {
        ObjectNode object = YAML.createObjectNode();
        object.put("apiVersion", "plrd.dev/v1alpha1").put("kind", "ModelFamily");
        object.with("metadata").put("name", name);
        object.set("spec", valid());
        return object;
    }

    @ParameterizedTest
    @CsvSource({"fam.v1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void aFamilyNameIsADnsLabelOfAtMost63Characters(String name) {
        assertThat(VALIDATOR.validateObject(object(name), List.of()))
                .containsExactly(new Violation(SchemaValidator.OBJECT, SpecRules.FAMILY_NAME_MESSAGE));
    }

    /** The API server's own check of every object's name comes first, then the CRD's narrower rule. */
    @ParameterizedTest
    @CsvSource({"Fam", "-fam", "fam-", "fam_1", "fam..v1"})
    void aNameThatIsNotEvenADnsSubdomainBreaksBothChecks(String name) {
        assertThat(VALIDATOR.validateObject(object(name), List.of())).containsExactly(
                new Violation("metadata.name", SpecRules.DNS_SUBDOMAIN_MESSAGE),
                new Violation(SchemaValidator.OBJECT, SpecRules.FAMILY_NAME_MESSAGE));
    }

    @Test
    void aWholeObjectIsJudgedAsTheApiServerJudgesIt() {
        assertThat(VALIDATOR.validateObject(object("f".repeat(63)), List.of())).isEmpty();
        ObjectNode generated = object("x");
        generated.with("metadata").remove("name");
        generated.with("metadata").put("generateName", "fam-");
        assertThat(VALIDATOR.validateObject(generated, List.of())).isEmpty();
        ObjectNode nameless = object("x");
        nameless.with("metadata").remove("name");
        assertThat(VALIDATOR.validateObject(nameless, List.of()))
                .containsExactly(new Violation("metadata.name", "name or generateName is required"));
        ObjectNode unknown = object("fam");
        unknown.put("specs", 1);
        unknown.with("metadata").put("nmae", "x");
        unknown.with("status").put("bogus", 1);
        ((ObjectNode) unknown.get("spec")).with("base").put("uri", "ftp://x");
        Violation duplicate = new Violation("spec.base.uri", "duplicate field \"spec.base.uri\"");
        assertThat(VALIDATOR.validateObject(unknown, List.of(duplicate))).containsExactly(duplicate,
                new Violation("metadata.nmae", "unknown field \"metadata.nmae\""),
                new Violation("specs", "unknown field \"specs\""),
                new Violation("status.bogus", "unknown field \"status.bogus\""));
    }

    @Test
    void listTypesAreUnderstood() throws Exception {
        JsonNode crd = YAML.readTree("""
                spec:
                  versions:
                    - schema:
                        openAPIV3Schema:
                          properties:
                            spec:
                              type: object
                              properties:
                                conditions:
                                  type: array
                                  x-kubernetes-list-type: map
                                  x-kubernetes-list-map-keys: [type]
                                  items: {type: object, required: [type], properties: {type: {type: string}}}
                                tags:
                                  type: array
                                  x-kubernetes-list-type: set
                                  items: {type: string}
                """);
        JsonNode spec = YAML.readTree("""
                conditions: [{type: Ready}, {type: Degraded}, {type: Ready}]
                tags: [a, b, a]
                """);
        assertThat(new SchemaValidator(crd).validate(spec)).containsExactly(
                new Violation("spec.conditions[2]", "Duplicate value: {\"type\":\"Ready\"}"),
                new Violation("spec.tags[2]", "Duplicate value: \"a\""));
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
