package dev.plrd.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Judges a ModelFamily spec against the committed CRD schema (crds/), with the OpenAPI
 * constraints and the CEL rules it carries, so that a manifest checked outside a cluster is
 * judged as the API server judges it, with the same rule messages. Rules are written once, as
 * annotations on the api classes; nothing here restates them.
 */
public final class SchemaValidator {
    public static final String CRD_RESOURCE = "crds/modelfamilies.plrd.dev-v1.yml";

    /** The schema keywords this validator understands; any other one in the CRD is refused at load. */
    private static final Set<String> KEYWORDS = Set.of("type", "description", "properties", "required", "items",
            "additionalProperties", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
            "minLength", "maxLength", "minItems", "maxItems", "maxProperties", "x-kubernetes-validations");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static volatile SchemaValidator forCrd;

    private final JsonNode specSchema;
    private final CelRules cel = new CelRules();

    SchemaValidator(JsonNode crd) {
        JsonNode schema = crd.path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema");
        specSchema = schema.path("properties").path("spec");
        if (!specSchema.isObject()) {
            throw new IllegalStateException("CRD has no openAPIV3Schema.properties.spec");
        }
        prepare(specSchema, "spec");
    }

    /** The validator for the CRD shipped with this build. */
    public static SchemaValidator forModelFamily() {
        if (forCrd == null) {
            synchronized (SchemaValidator.class) {
                if (forCrd == null) {
                    forCrd = new SchemaValidator(loadCrd());
                }
            }
        }
        return forCrd;
    }

    private static JsonNode loadCrd() {
        try (InputStream in = SchemaValidator.class.getClassLoader().getResourceAsStream(CRD_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("CRD " + CRD_RESOURCE + " is not on the classpath");
            }
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CRD_RESOURCE, e);
        }
    }

    public List<Violation> validate(ModelFamilySpec spec) {
        return validate(YAML.valueToTree(spec));
    }

    /** Every violation in the spec, in document order. */
    public List<Violation> validate(JsonNode spec) {
        List<Violation> out = new ArrayList<>();
        check(specSchema, spec, "spec", out);
        return out;
    }

    private void prepare(JsonNode schema, String path) {
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String keyword = it.next();
            if (!KEYWORDS.contains(keyword)) {
                throw new IllegalStateException("CRD schema keyword '" + keyword + "' at " + path + " is not supported");
            }
        }
        schema.path("x-kubernetes-validations").forEach(rule -> cel.compile(rule.path("rule").asText()));
        schema.path("properties").fields().forEachRemaining(e -> prepare(e.getValue(), path + "." + e.getKey()));
        if (schema.has("items")) {
            prepare(schema.get("items"), path + "[]");
        }
        if (schema.path("additionalProperties").isObject()) {
            prepare(schema.get("additionalProperties"), path + "{}");
        }
    }

    private void check(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        String type = schema.path("type").asText();
        if (!hasType(value, type)) {
            out.add(new Violation(path, "must be of type " + type));
            return;
        }
        switch (type) {
            case "object" -> checkObject(schema, value, path, out);
            case "array" -> checkArray(schema, value, path, out);
            case "string" -> checkString(schema, value, path, out);
            case "integer", "number" -> checkNumber(schema, value, path, out);
            default -> { }
        }
        checkEnum(schema, value, path, out);
        checkRules(schema, value, path, out);
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new IllegalStateException("CRD schema type '" + type + "' is not supported");
        };
    }

    private void checkObject(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.path("additionalProperties");
        for (JsonNode required : schema.path("required")) {
            if (!value.has(required.asText()) || value.get(required.asText()).isNull()) {
                out.add(new Violation(path + "." + required.asText(), "is required"));
            }
        }
        if (schema.has("maxProperties") && value.size() > schema.get("maxProperties").asInt()) {
            out.add(new Violation(path, "must have at most " + schema.get("maxProperties").asInt() + " properties"));
        }
        value.fields().forEachRemaining(e -> {
            String child = path + "." + e.getKey();
            if (e.getValue().isNull()) {
                return;
            }
            if (properties.has(e.getKey())) {
                check(properties.get(e.getKey()), e.getValue(), child, out);
            } else if (additional.isObject()) {
                check(additional, e.getValue(), child, out);
            } else {
                out.add(new Violation(child, "unknown field"));
            }
        });
    }

    private void checkArray(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
            out.add(new Violation(path, "must have at least " + schema.get("minItems").asInt() + " item(s)"));
        }
        if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
            out.add(new Violation(path, "must have at most " + schema.get("maxItems").asInt() + " items"));
        }
        for (int i = 0; i < value.size(); i++) {
            check(schema.get("items"), value.get(i), path + "[" + i + "]", out);
        }
    }

    private static void checkString(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        int length = value.asText().codePointCount(0, value.asText().length());
        if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
            out.add(new Violation(path, "may not be longer than " + schema.get("maxLength").asInt() + " characters"));
        }
        if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
            out.add(new Violation(path, "may not be shorter than " + schema.get("minLength").asInt() + " characters"));
        }
    }

    private static void checkNumber(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        BigDecimal v = value.decimalValue();
        if (schema.has("minimum")) {
            BigDecimal min = schema.get("minimum").decimalValue();
            boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
            if (exclusive ? v.compareTo(min) <= 0 : v.compareTo(min) < 0) {
                out.add(new Violation(path, "must be greater than " + (exclusive ? "" : "or equal to ") + plain(min)));
            }
        }
        if (schema.has("maximum")) {
            BigDecimal max = schema.get("maximum").decimalValue();
            boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
            if (exclusive ? v.compareTo(max) >= 0 : v.compareTo(max) > 0) {
                out.add(new Violation(path, "must be less than " + (exclusive ? "" : "or equal to ") + plain(max)));
            }
        }
    }

    private static String plain(BigDecimal d) {
        return d.stripTrailingZeros().toPlainString();
    }

    private static void checkEnum(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        JsonNode allowed = schema.path("enum");
        if (!allowed.isArray()) {
            return;
        }
        for (JsonNode a : allowed) {
            if (a.equals(value)) {
                return;
            }
        }
        List<String> names = new ArrayList<>();
        allowed.forEach(a -> names.add("\"" + a.asText() + "\""));
        out.add(new Violation(path, "unsupported value \"" + value.asText() + "\": supported values are "
                + String.join(", ", names)));
    }

    private void checkRules(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            String text = rule.path("rule").asText();
            try {
                if (!cel.holds(text, toCel(schema, value))) {
                    out.add(new Violation(path, rule.path("message").asText()));
                }
            } catch (dev.cel.runtime.CelEvaluationException e) {
                out.add(new Violation(path, "rule could not be evaluated (" + e.getMessage() + "): " + text));
            }
        }
    }

    /** The value as CEL sees it: typed by the schema, so that an integral YAML number in a number field is a double. */
    private static Object toCel(JsonNode schema, JsonNode value) {
        String type = schema.path("type").asText();
        return switch (type) {
            case "object" -> {
                Map<String, Object> map = new LinkedHashMap<>();
                value.fields().forEachRemaining(e -> {
                    JsonNode child = schema.path("properties").has(e.getKey())
                            ? schema.path("properties").get(e.getKey()) : schema.path("additionalProperties");
                    if (!e.getValue().isNull() && child.isObject() && hasType(e.getValue(), child.path("type").asText())) {
                        map.put(e.getKey(), toCel(child, e.getValue()));
                    }
                });
                yield map;
            }
            case "array" -> {
                List<Object> list = new ArrayList<>();
                value.forEach(v -> list.add(toCel(schema.get("items"), v)));
                yield list;
            }
            case "integer" -> value.longValue();
            case "number" -> value.doubleValue();
            case "boolean" -> value.booleanValue();
            default -> value.asText();
        };
    }

    /** A one-line summary naming the first field, for a condition message. */
    public static String summary(List<Violation> violations) {
        String first = violations.get(0).toString();
        return violations.size() == 1 ? first
                : first + " (and " + (violations.size() - 1) + " more: "
                + violations.subList(1, violations.size()).stream().map(Violation::field).distinct()
                        .collect(Collectors.joining(", ")) + ")";
    }
}
