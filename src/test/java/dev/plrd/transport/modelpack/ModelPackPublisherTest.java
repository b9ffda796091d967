package dev.plrd.transport.modelpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.oci.OciLayoutStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing a member to an OCI image layout: the round trip, idempotence, and what the artifact says. */
class ModelPackPublisherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant FIRST = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant LATER = Instant.parse("2026-12-02T11:30:00Z");
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;
    Path checkpoint;
    Path layout;
    Map<String, String> annotations;

    @BeforeEach
    void member() throws IOException {
        checkpoint = TinyCheckpoint.write(dir.resolve("trained"));
        layout = dir.resolve("layout");
        annotations = new TreeMap<>(MemberAnnotations.base("hf://org/base@abc123"));
        annotations.putAll(MemberAnnotations.evaluation(12.5, 10.0, "s3://corpus split=held-out"));
    }

    private ModelPackPublisher.Published publish(Instant now, Map<String, String> with) throws IOException {
        try (CountingStore store = new CountingStore(OciLayoutStore.open(layout))) {
            return new ModelPackPublisher(Clock.fixed(now, ZoneOffset.UTC), QUIET).publish(store, "m1", checkpoint, with);
        }
    }

    private JsonNode manifest(String digest) throws IOException {
        return JSON.readTree(layout.resolve("blobs/sha256/" + Sha256.hex(digest)).toFile());
    }

    @Test
    void aPublishedMemberPullsBackByteForByte() throws IOException {
        ModelPackPublisher.Published published = publish(FIRST, annotations);
        assertThat(published.blobsUploaded()).isEqualTo(published.blobs());
        Path pulled = dir.resolve("pulled");
        try (OciLayoutStore store = OciLayoutStore.open(layout)) {
            ModelPackPuller.Pulled result = ModelPackPuller.pull(store, "m1", "oci-layout://" + layout + ":m1", pulled);
            assertThat(result.digest()).isEqualTo(published.digest());
        }
        Map<String, byte[]> expected = TinyCheckpoint.contents(checkpoint);
        Map<String, byte[]> actual = TinyCheckpoint.contents(pulled);
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet())
                .contains("model.safetensors", "config.json", "tokenizer.json", "modeling_plrd.py");
        expected.forEach((name, bytes) -> assertThat(actual.get(name)).as(name).isEqualTo(bytes));
        try (Stream<Path> siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("trained", "layout", "pulled");
        }
    }

    @Test
    void publishingTheSameMemberAgainLaterWritesNothingAndGivesTheSameDigest() throws IOException {
        ModelPackPublisher.Published first = publish(FIRST, annotations);
        Map<Path, FileTime> before = snapshot(layout);

        CountingStore store = new CountingStore(OciLayoutStore.open(layout));
        ModelPackPublisher.Published again = new ModelPackPublisher(Clock.fixed(LATER, ZoneOffset.UTC), QUIET)
                .publish(store, "m1", checkpoint, annotations);

        assertThat(again.digest()).isEqualTo(first.digest());
        assertThat(again.unchanged()).isTrue();
        assertThat(again.blobsUploaded()).isZero();
        assertThat(store.blobsPut).isZero();
        assertThat(store.manifestsPut).isZero();
        assertThat(snapshot(layout)).isEqualTo(before);
        assertThat(manifest(again.digest()).get("annotations").get(ModelPackAnnotations.CREATED).asText())
                .isEqualTo(FIRST.toString());
    }

    @Test
    void aPublishCutOffHalfwayLeavesNoTagAndTheNextOneSendsOnlyWhatIsMissing() throws IOException {
        int layers = CheckpointFiles.scan(checkpoint).size();
        try (CountingStore failing = new CountingStore(OciLayoutStore.open(layout), 2)) {
            assertThatThrownBy(() -> new ModelPackPublisher(Clock.fixed(FIRST, ZoneOffset.UTC), QUIET)
                    .publish(failing, "m1", checkpoint, annotations)).hasMessageContaining("connection reset");
        }
        try (OciLayoutStore store = OciLayoutStore.open(layout)) {
            assertThat(store.getManifest("m1")).as("no tag for an incomplete artifact").isEmpty();
        }

        CountingStore store = new CountingStore(OciLayoutStore.open(layout));
        ModelPackPublisher.Published retried = new ModelPackPublisher(Clock.fixed(LATER, ZoneOffset.UTC), QUIET)
                .publish(store, "m1", checkpoint, annotations);

        assertThat(store.blobsPut).as("the layers and config not sent before the failure").isEqualTo(layers + 1 - 2);
        assertThat(store.manifestsPut).isEqualTo(1);
        Path pulled = dir.resolve("pulled");
        try (OciLayoutStore reader = OciLayoutStore.open(layout)) {
            assertThat(ModelPackPuller.pull(reader, "m1", "m1", pulled).digest()).isEqualTo(retried.digest());
        }
        Map<String, byte[]> expected = TinyCheckpoint.contents(checkpoint);
        expected.forEach((name, bytes) -> assertThat(pulled.resolve(name)).as(name).hasBinaryContent(bytes));
    }

    @Test
    void aNewEvaluationIsANewManifestButNoLayerIsSentAgain() throws IOException {
        ModelPackPublisher.Published first = publish(FIRST, annotations);
        Map<String, String> reevaluated = new TreeMap<>(annotations);
        reevaluated.putAll(MemberAnnotations.evaluation(12.0, 10.0, "s3://corpus split=held-out"));

        ModelPackPublisher.Published second = publish(LATER, reevaluated);

        assertThat(second.digest()).isNotEqualTo(first.digest());
        assertThat(second.unchanged()).isFalse();
        assertThat(second.blobsUploaded()).as("only the config, whose createdAt changed").isEqualTo(1);
        JsonNode manifest = manifest(second.digest());
        assertThat(manifest.get("annotations").get(ModelPackAnnotations.CREATED).asText()).isEqualTo(LATER.toString());
        assertThat(manifest.get("annotations").get(ModelPackAnnotations.PERPLEXITY).asText()).isEqualTo("12.0000");
    }

    @Test
    void theManifestAndConfigHaveTheShapeOfTheModelPackSpec() throws IOException {
        ModelPackPublisher.Published published = publish(FIRST, annotations);
        JsonNode manifest = manifest(published.digest());
        assertThat(manifest.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(manifest.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
        assertThat(manifest.get("artifactType").asText()).isEqualTo("application/vnd.cncf.model.manifest.v1+json");
        assertThat(manifest.get("config").get("mediaType").asText()).isEqualTo("application/vnd.cncf.model.config.v1+json");

        Map<String, String> typeByPath = new TreeMap<>();
        for (JsonNode layer : manifest.get("layers")) {
            String path = layer.get("annotations").get("org.cncf.model.filepath").asText();
            typeByPath.put(path, layer.get("mediaType").asText());
            assertThat(layer.get("size").asLong()).isEqualTo(Files.size(checkpoint.resolve(path)));
            assertThat(layer.get("digest").asText()).isEqualTo(Sha256.of(checkpoint.resolve(path)));
            JsonNode metadata = JSON.readTree(layer.get("annotations").get("org.cncf.model.file.metadata+json").asText());
            assertThat(metadata.fieldNames()).toIterable()
                    .containsExactlyInAnyOrder("name", "mode", "uid", "gid", "size", "mtime", "typeflag");
            assertThat(metadata.get("size").asLong()).isEqualTo(layer.get("size").asLong());
            assertThat(metadata.get("typeflag").asInt()).isEqualTo('0');
        }
        assertThat(typeByPath).containsExactlyInAnyOrderEntriesOf(Map.of(
                "model.safetensors", "application/vnd.cncf.model.weight.v1.raw",
                "config.json", "application/vnd.cncf.model.weight.config.v1.raw",
                "tokenizer.json", "application/vnd.cncf.model.weight.config.v1.raw",
                "tokenizer_config.json", "application/vnd.cncf.model.weight.config.v1.raw",
                "modeling_plrd.py", "application/vnd.cncf.model.code.v1.raw"));

        JsonNode config = JSON.readTree(layout.resolve("blobs/sha256/"
                + Sha256.hex(manifest.get("config").get("digest").asText())).toFile());
        assertThat(config.fieldNames()).toIterable().containsExactlyInAnyOrder("descriptor", "config", "modelfs");
        assertThat(config.get("descriptor").fieldNames()).toIterable().isSubsetOf("createdAt", "authors", "family",
                "name", "docURL", "sourceURL", "datasetsURL", "version", "revision", "vendor", "licenses", "title",
                "description");
        assertThat(config.get("descriptor").get("name").asText()).isEqualTo("m1");
        assertThat(config.get("descriptor").get("createdAt").asText()).isEqualTo(FIRST.toString());
        assertThat(config.get("descriptor").get("family").asText()).isEqualTo("llama");
        assertThat(config.get("config").fieldNames()).toIterable().isSubsetOf("architecture", "format", "paramSize",
                "precision", "quantization", "capabilities");
        assertThat(config.get("config").get("format").asText()).isEqualTo("safetensors");
        assertThat(config.get("config").get("precision").asText()).isEqualTo("float32");
        assertThat(config.get("config").get("paramSize").asText()).matches("[0-9]+(\\.[0-9])?[KMBTQ]");
        assertThat(config.get("modelfs").get("type").asText()).isEqualTo("layers");
        assertThat(config.get("modelfs").get("diffIds")).extracting(JsonNode::asText)
                .containsExactlyElementsOf(manifest.get("layers").findValuesAsText("digest"));
    }

    @Test
    void theManifestCarriesLineageParametersEvaluationAndCreationTime() throws IOException {
        JsonNode annotations = manifest(publish(FIRST, this.annotations).digest()).get("annotations");
        long parameters = CheckpointSummary.read(checkpoint).parameters();
        assertThat(annotations.get(ModelPackAnnotations.CREATED).asText()).isEqualTo("2026-12-01T10:00:00Z");
        assertThat(annotations.get(ModelPackAnnotations.TITLE).asText()).isEqualTo("m1");
        assertThat(annotations.get(ModelPackAnnotations.PARAMETERS).asLong()).isEqualTo(parameters).isPositive();
        assertThat(annotations.get(ModelPackAnnotations.BASE_URI).asText()).isEqualTo("hf://org/base");
        assertThat(annotations.get(ModelPackAnnotations.BASE_REVISION).asText()).isEqualTo("abc123");
        assertThat(annotations.get(ModelPackAnnotations.PERPLEXITY).asText()).isEqualTo("12.5000");
        assertThat(annotations.get(ModelPackAnnotations.PARENT_PERPLEXITY).asText()).isEqualTo("10.0000");
        assertThat(annotations.get(ModelPackAnnotations.PERPLEXITY_RATIO).asText()).isEqualTo("1.2500");
        assertThat(annotations.has(ModelPackAnnotations.RANKS)).as("a dense member has no ranks").isFalse();
    }

    @Test
    void hiddenTemporariesOfAnInterruptedWriteAreNotPublished() throws IOException {
        JsonNode manifest = manifest(publish(FIRST, annotations).digest());
        assertThat(manifest.get("layers").findValuesAsText("org.cncf.model.filepath")).noneMatch(p -> p.startsWith("."));
    }

    private static Map<Path, FileTime> snapshot(Path root) throws IOException {
        Map<Path, FileTime> times = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                times.put(root.relativize(p), Files.getLastModifiedTime(p));
            }
        }
        return times;
    }
}
