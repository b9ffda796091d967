package dev.plrd.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.api.ModelFamilySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cluster-setup examples (examples/kueue, examples/autoscaling, examples/trainer) as parsed YAML objects, and
 * the example ModelFamilies (the files directly in examples/) as specs.
 */
final class ExampleFiles {
    static final Path EXAMPLES = Path.of("examples");
    static final List<Path> SETUP_DIRS = List.of(EXAMPLES.resolve("kueue"), EXAMPLES.resolve("autoscaling"),
            EXAMPLES.resolve("trainer"));
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper SPECS = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ExampleFiles() {
    }

    /** Every YAML file of the setup directories, sorted. */
    static List<Path> setupFiles() {
        List<Path> files = new ArrayList<>();
        for (Path dir : SETUP_DIRS) {
            try (Stream<Path> listed = Files.list(dir)) {
                listed.filter(Files::isRegularFile).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    /** The documents of one YAML file; empty documents (a trailing ---) are an error, as kubectl would apply nothing. */
    static List<JsonNode> documents(Path file) {
        try {
            List<JsonNode> docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile()).readAll();
            assertThat(docs).as("%s holds YAML documents", file).isNotEmpty()
                    .allSatisfy(d -> assertThat(d != null && d.isObject()).as("%s: every document is an object", file)
                            .isTrue());
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(file + " is not valid YAML", e);
        }
    }

    /** Every object of the setup directories. */
    static List<JsonNode> setupObjects() {
        return setupFiles().stream().flatMap(f -> documents(f).stream()).toList();
    }

    /** The setup objects of one kind. */
    static List<JsonNode> ofKind(String kind) {
        return setupObjects().stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    /** The one setup object of this kind and name. */
    static JsonNode named(String kind, String name) {
        List<JsonNode> found = ofKind(kind).stream().filter(o -> name(o).equals(name)).toList();
        assertThat(found).as("%s %s in %s", kind, name, SETUP_DIRS).hasSize(1);
        return found.get(0);
    }

    static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    /** The example ModelFamilies, by file. */
    static List<Family> families() {
        List<Family> families = new ArrayList<>();
        try (Stream<Path> listed = Files.list(EXAMPLES)) {
            for (Path file : listed.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                JsonNode doc = documents(file).get(0);
                families.add(new Family(file, doc.path("metadata").path("namespace").asText(),
                        SPECS.treeToValue(doc.path("spec"), ModelFamilySpec.class)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return families;
    }

    record Family(Path file, String namespace, ModelFamilySpec spec) {
        @Override
        public String toString() {
            return file.getFileName().toString();
        }
    }
}
