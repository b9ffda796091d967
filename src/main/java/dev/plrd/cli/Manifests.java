package dev.plrd.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.api.ModelFamily;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.Violation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads ModelFamily manifests from YAML files (several documents per file allowed). Nothing here
 * throws for bad input: each problem becomes one line that names the file, and the document and
 * position where known, so that a caller can report it and go on with the next file.
 */
final class Manifests {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final String API_VERSION = ModelFamily.GROUP + "/" + ModelFamily.VERSION;

    /** One ModelFamily document: where it came from, its name, the object as written, and its repeated keys. */
    record Document(String source, String name, JsonNode object, List<Violation> duplicateFields) {
        ModelFamilySpec typedSpec() throws IOException {
            return YAML.treeToValue(object.get("spec"), ModelFamilySpec.class);
        }
    }

    /** The ModelFamily documents of a file, and one line per problem that kept a document from being read. */
    record Read(List<Document> documents, List<String> problems) {
    }

    private Manifests() {
    }

    static Read read(Path file) {
        List<Document> documents = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String unreadable = unreadable(file);
        if (unreadable != null) {
            problems.add(file + ": " + unreadable);
            return new Read(documents, problems);
        }
        int index = 0;
        try (JsonParser parser = YAML.getFactory().createParser(file.toFile())) {
            while (true) {
                String where = file + " (document " + (index + 1) + ")";
                try {
                    if (parser.nextToken() == null) {
                        break;
                    }
                    index++;
                    List<Violation> duplicates = new ArrayList<>();
                    JsonNode doc = YamlTrees.read(parser, "", duplicates);
                    String problem = notAModelFamily(doc);
                    if (problem != null) {
                        problems.add(where + ": " + problem);
                    } else if (!doc.isNull()) {
                        documents.add(new Document(where, doc.path("metadata").path("name").asText("(unnamed)"), doc,
                                duplicates));
                    }
                } catch (JsonProcessingException e) {
                    problems.add(where + ": " + describe(e));
                    break;
                }
            }
        } catch (IOException e) {
            problems.add(file + ": " + e.getMessage());
        }
        if (documents.isEmpty() && problems.isEmpty()) {
            problems.add(file + ": no ModelFamily document");
        }
        return new Read(documents, problems);
    }

    /** Why the path cannot be read as a YAML file, or null: a FIFO would block, a directory gives a bare error. */
    private static String unreadable(Path file) {
        if (Files.isDirectory(file)) {
            return "is a directory, expected a YAML file";
        }
        if (!Files.exists(file)) {
            return "no such file";
        }
        if (!Files.isRegularFile(file)) {
            return "is not a regular file, expected a YAML file";
        }
        return null;
    }

    /** Why a document is not a ModelFamily, or null when it is one or is empty. */
    private static String notAModelFamily(JsonNode doc) {
        if (doc.isNull()) {
            return null;
        }
        if (!doc.isObject()) {
            String found = doc.isTextual() ? "a string" : doc.isNumber() ? "a number" : doc.isBoolean() ? "a boolean"
                    : doc.isArray() ? "a list" : "a " + doc.getNodeType().name().toLowerCase();
            return "is " + found + ", expected " + API_VERSION + " ModelFamily";
        }
        String kind = doc.path("kind").asText();
        String apiVersion = doc.path("apiVersion").asText();
        if (!"ModelFamily".equals(kind) || !API_VERSION.equals(apiVersion)) {
            return "is " + (apiVersion.isEmpty() ? "(no apiVersion)" : apiVersion) + " "
                    + (kind.isEmpty() ? "(no kind)" : kind) + ", expected " + API_VERSION + " ModelFamily";
        }
        if (!doc.path("spec").isObject()) {
            return "spec is missing or not a mapping";
        }
        return null;
    }

    /** One line: where the parser stopped and what it expected, without the YAML library's excerpt. */
    private static String describe(JsonProcessingException e) {
        String what = e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblem() != null
                ? (yaml.getContext() != null ? yaml.getContext() + ": " : "") + yaml.getProblem()
                : e.getOriginalMessage();
        JsonLocation at = e.getLocation();
        String position = at == null || at.getLineNr() < 1 ? "" : "line " + at.getLineNr() + ", column "
                + at.getColumnNr() + ": ";
        return position + what.lines().findFirst().orElse(what).strip();
    }
}
