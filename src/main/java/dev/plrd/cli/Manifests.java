package dev.plrd.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.api.ModelFamily;
import dev.plrd.api.ModelFamilySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads ModelFamily manifests from YAML files (several documents per file allowed). */
final class Manifests {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final String API_VERSION = ModelFamily.GROUP + "/" + ModelFamily.VERSION;

    /** One ModelFamily document: where it came from, its name, and its spec as written. */
    record Document(String source, String name, JsonNode spec) {
        ModelFamilySpec typedSpec() throws IOException {
            return YAML.treeToValue(spec, ModelFamilySpec.class);
        }
    }

    private Manifests() {
    }

    /** Every document of the file; throws with the file and document named when one is not a ModelFamily. */
    static List<Document> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        List<Document> out = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            int index = 0;
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                index++;
                if (doc == null || doc.isNull() || doc.isEmpty()) {
                    continue;
                }
                String where = file + " (document " + index + ")";
                String kind = doc.path("kind").asText();
                String apiVersion = doc.path("apiVersion").asText();
                if (!"ModelFamily".equals(kind) || !API_VERSION.equals(apiVersion)) {
                    throw new IOException(where + ": is " + apiVersion + " " + kind + ", expected " + API_VERSION
                            + " ModelFamily");
                }
                if (!doc.path("spec").isObject()) {
                    throw new IOException(where + ": spec is missing or not a mapping");
                }
                out.add(new Document(where, doc.path("metadata").path("name").asText("(unnamed)"), doc.get("spec")));
            }
        }
        return out;
    }
}
