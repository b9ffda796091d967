package dev.plrd.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Judges a ModelFamily against the committed CRD schema (crds/), with the OpenAPI constraints and
 * the CEL rules it carries, so that a manifest checked outside a cluster is judged as the API
 * server judges it, with the same rule messages. Rules are written once, as annotations on the
 * api classes; nothing here restates them.
 *
 * <p>The order is the API server's: strict decoding first (unknown or repeated fields, and
 * nothing else is reported when there are any), then the OpenAPI constraints, then the CEL
 * rules. A missing required field, a value of the wrong type, outside its enum, or over its
 * maxLength, maxItems or maxProperties blocks every CEL rule: the server does the same, since
 * rules may read required fields and their cost is bounded by those limits; so a list of a
 * thousand members is refused for its size at once.
 */
public final class SchemaValidator {
    public static final String CRD_RESOURCE = "crds/modelfamilies.plrd.dev-v1.yml";

    /** The field of a violation about the object as a whole (the API server prints {@code <nil>}). */
    public static final String OBJECT = "(object)";
    static final String RULES_NOT_CHECKED = "some validation rules were not checked because the object was invalid;"
            + " correct the existing errors to complete validation";

    /** The schema keywords this validator understands; any other one in the CRD is refused at load. */
    private static final Set<String> KEYWORDS = Set.of("type", "description", "properties", "required", "items",
            "additionalProperties", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
            "minLength", "maxLength", "minItems", "maxItems", "maxProperties", "x-kubernetes-validations",
            "x-kubernetes-list-type", "x-kubernetes-list-map-keys");

    private static final Set<String> TOP_LEVEL_FIELDS = Set.of("apiVersion", "kind", "metadata", "spec", "status");
    /** The fields of ObjectMeta, which every object's metadata is decoded as. */
    private static final Set<String> METADATA_FIELDS = Set.of("name", "generateName", "namespace", "selfLink", "uid",
            "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
            "labels", "annotations", "ownerReferences", "finalizers", "managedFields");

    /** What the API server requires of every object's name, before the CRD's own rules. */
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(SpecRules.DNS_SUBDOMAIN_PATTERN);

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static volatile SchemaValidator forCrd;

    private final JsonNode rootSchema;
    private final JsonNode specSchema;
    private final CelRules cel = new CelRules();

    SchemaValidator(JsonNode crd) {
        rootSchema = crd.path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema");
        specSchema = rootSchema.path("properties").path("spec");
        if (!specSchema.isObject()) {
            throw new IllegalStateException("CRD has no openAPIV3Schema.properties.spec");
        }
        prepare(rootSchema, "(root)");
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

    /**
     * Every violation in a spec on its own: its unknown fields, then what the API server would find
     * in a ModelFamily with a valid name. Unlike the server, this goes on after unknown fields, so
     * that the operator and tests see everything at once.
     */
    public List<Violation> validate(JsonNode spec) {
        List<Violation> out = new ArrayList<>();
        unknownFields(specSchema, spec, "spec", out);
        if (structure(specSchema, spec, "spec", out)) {
            out.add(new Violation(OBJECT, RULES_NOT_CHECKED));
        } else {
            rules(specSchema, spec, "spec", out);
        }
        return out;
    }

    /**
     * Every violation in a whole ModelFamily object as applied (apiVersion, kind, metadata, spec).
     * The caller's reader reports repeated keys, the one decoding error a tree cannot show.
     */
    public List<Violation> validateObject(JsonNode object, List<Violation> duplicateFields) {
        List<Violation> decoding = new ArrayList<>(duplicateFields);
        for (String field : sortedFields(object)) {
            JsonNode value = object.get(field);
            if (!TOP_LEVEL_FIELDS.contains(field)) {
                decoding.add(unknown(field));
            } else if (field.equals("metadata") && value.isObject()) {
                sortedFields(value).stream().filter(f -> !METADATA_FIELDS.contains(f))
                        .forEach(f -> decoding.add(unknown("metadata." + f)));
            } else if (!field.equals("metadata")) {
                unknownFields(rootSchema.path("properties").path(field), value, field, decoding);
            }
        }
        if (!decoding.isEmpty()) {
            return decoding;
        }
        List<Violation> out = new ArrayList<>();
        JsonNode metadata = object.path("metadata");
        if (!metadata.hasNonNull("name") && !metadata.hasNonNull("generateName")) {
            out.add(new Violation("metadata.name", "name or generateName is required"));
        }
        String name = metadata.path("name").asText("");
        if (metadata.hasNonNull("name") && (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches())) {
            out.add(new Violation("metadata.name", SpecRules.DNS_SUBDOMAIN_MESSAGE));
        }
        JsonNode spec = object.path("spec");
        if (structure(specSchema, spec, "spec", out)) {
            out.add(new Violation(OBJECT, RULES_NOT_CHECKED));
            return out;
        }
        evaluate(rootSchema, celRoot(object), OBJECT, out);
        rules(specSchema, spec, "spec", out);
        return out;
    }

    /** The object as a root-level rule sees it: of metadata, only the name and generateName. */
    private Map<String, Object> celRoot(JsonNode object) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (String field : List.of("name", "generateName")) {
            if (object.path("metadata").path(field).isTextual()) {
                metadata.put(field, object.path("metadata").get(field).asText());
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("apiVersion", object.path("apiVersion").asText());
        root.put("kind", object.path("kind").asText());
        root.put("metadata", metadata);
        root.put("spec", toCel(specSchema, object.path("spec")));
        return root;
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

    /** Fields the schema does not declare, as strict decoding reports them. */
    private static void unknownFields(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        if (value.isObject() && schema.path("type").asText().equals("object")) {
            for (String field : sortedFields(value)) {
                JsonNode child = schema.path("properties").has(field) ? schema.path("properties").get(field)
                        : schema.path("additionalProperties");
                if (child.isObject()) {
                    unknownFields(child, value.get(field), path + "." + field, out);
                } else {
                    out.add(unknown(path + "." + field));
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                unknownFields(schema.get("items"), value.get(i), path + "[" + i + "]", out);
            }
        }
    }

    private static Violation unknown(String path) {
        return new Violation(path, "unknown field \"" + path + "\"");
    }

    /** A mapping's fields in name order, the order in which the API server reports them. */
    private static List<String> sortedFields(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        Collections.sort(names);
        return names;
    }

    /**
     * The OpenAPI constraints; true when a violation blocks the CEL rules. Messages are worded as
     * the API server words them, less its "Invalid value: X: PATH in body" prefix, so that each is
     * a part of what kubectl prints for the same manifest.
     */
    private static boolean structure(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        String type = schema.path("type").asText();
        if (!hasType(value, type)) {
            out.add(new Violation(path, "must be of type " + type));
            return true;
        }
        boolean blocking = switch (type) {
            case "object" -> structureOfObject(schema, value, path, out);
            case "array" -> structureOfArray(schema, value, path, out);
            case "string" -> checkString(schema, value, path, out);
            case "integer", "number" -> checkNumber(schema, value, path, out);
            default -> false;
        };
        return checkEnum(schema, value, path, out) || blocking;
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

    private static boolean structureOfObject(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.path("additionalProperties");
        boolean blocking = false;
        for (JsonNode required : schema.path("required")) {
            if (!value.has(required.asText()) || value.get(required.asText()).isNull()) {
                out.add(new Violation(path + "." + required.asText(), "Required value"));
                blocking = true;
            }
        }
        if (schema.has("maxProperties") && value.size() > schema.get("maxProperties").asInt()) {
            out.add(new Violation(path, tooMany(value, schema.get("maxProperties"))));
            blocking = true;
        }
        for (String field : sortedFields(value)) {
            JsonNode child = properties.has(field) ? properties.get(field) : additional;
            if (!value.get(field).isNull() && child.isObject()) {
                blocking |= structure(child, value.get(field), path + "." + field, out);
            }
        }
        return blocking;
    }

    private static boolean structureOfArray(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
            out.add(new Violation(path, "should have at least " + schema.get("minItems").asInt() + " items"));
        }
        boolean blocking = false;
        if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
            out.add(new Violation(path, tooMany(value, schema.get("maxItems"))));
            blocking = true;
        }
        checkListType(schema, value, path, out);
        for (int i = 0; i < value.size(); i++) {
            blocking |= structure(schema.get("items"), value.get(i), path + "[" + i + "]", out);
        }
        return blocking;
    }

    /** x-kubernetes-list-type: no two items of a set are equal, no two items of a map share their keys. */
    private static void checkListType(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        String listType = schema.path("x-kubernetes-list-type").asText("atomic");
        if (listType.equals("atomic")) {
            return;
        }
        Set<JsonNode> seen = new HashSet<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            JsonNode identity = item;
            if (listType.equals("map")) {
                ObjectNode keys = YAML.createObjectNode();
                schema.path("x-kubernetes-list-map-keys").forEach(k -> keys.set(k.asText(), item.path(k.asText())));
                identity = keys;
            }
            if (!seen.add(identity)) {
                out.add(new Violation(path + "[" + i + "]", "Duplicate value: " + identity));
            }
        }
    }

    private static boolean checkString(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        int length = value.asText().codePointCount(0, value.asText().length());
        if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
            out.add(new Violation(path, "should be at least " + schema.get("minLength").asInt() + " chars long"));
        }
        if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
            out.add(new Violation(path, "Too long: may not be more than " + schema.get("maxLength").asInt()
                    + " bytes"));
            return true;
        }
        return false;
    }

    private static boolean checkNumber(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        BigDecimal v = value.decimalValue();
        if (schema.has("minimum")) {
            BigDecimal min = schema.get("minimum").decimalValue();
            boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
            if (exclusive ? v.compareTo(min) <= 0 : v.compareTo(min) < 0) {
                out.add(new Violation(path, "should be greater than " + (exclusive ? "" : "or equal to ")
                        + plain(min)));
            }
        }
        if (schema.has("maximum")) {
            BigDecimal max = schema.get("maximum").decimalValue();
            boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
            if (exclusive ? v.compareTo(max) >= 0 : v.compareTo(max) > 0) {
                out.add(new Violation(path, "should be less than " + (exclusive ? "" : "or equal to ") + plain(max)));
            }
        }
        return false;
    }

    private static String tooMany(JsonNode value, JsonNode max) {
        return "Too many: " + value.size() + ": must have at most " + max.asInt() + " items";
    }

    private static String plain(BigDecimal d) {
        return d.stripTrailingZeros().toPlainString();
    }

    private static boolean checkEnum(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        JsonNode allowed = schema.path("enum");
        if (!allowed.isArray()) {
            return false;
        }
        for (JsonNode a : allowed) {
            if (a.equals(value)) {
                return false;
            }
        }
        List<String> names = new ArrayList<>();
        allowed.forEach(a -> names.add("\"" + a.asText() + "\""));
        out.add(new Violation(path, "Unsupported value: \"" + value.asText() + "\": supported values: "
                + String.join(", ", names)));
        return true;
    }

    /** The CEL rules of every node, parents before children; only called on a value of the schema's shape. */
    private void rules(JsonNode schema, JsonNode value, String path, List<Violation> out) {
        evaluate(schema, toCel(schema, value), path, out);
        if (value.isObject()) {
            for (String field : sortedFields(value)) {
                JsonNode child = schema.path("properties").has(field) ? schema.path("properties").get(field)
                        : schema.path("additionalProperties");
                if (!value.get(field).isNull() && child.isObject()) {
                    rules(child, value.get(field), path + "." + field, out);
                }
            }
        } else if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                rules(schema.get("items"), value.get(i), path + "[" + i + "]", out);
            }
        }
    }

    private void evaluate(JsonNode schema, Object self, String path, List<Violation> out) {
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            String text = rule.path("rule").asText();
            try {
                if (!cel.holds(text, self)) {
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
