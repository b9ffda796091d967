package dev.plrd.transport.modelpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.TransportException;
import dev.plrd.transport.oci.Descriptor;
import dev.plrd.transport.oci.OciLayoutStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pulling refuses what it cannot restore faithfully, and writes nothing when it refuses. */
class ModelPackPullerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path layout() {
        return dir.resolve("layout");
    }

    private String publish() throws IOException {
        Path checkpoint = TinyCheckpoint.write(dir.resolve("trained"));
        try (OciLayoutStore store = OciLayoutStore.open(layout())) {
            return new ModelPackPublisher(Clock.systemUTC(), new PrintStream(OutputStream.nullOutputStream()))
                    .publish(store, "m1", checkpoint, MemberAnnotations.base("hf://org/base")).digest();
        }
    }

    @Test
    void aTamperedLayerIsRefusedNamingItsDigestAndNoCheckpointAppears() throws IOException {
        String manifestDigest = publish();
        String weights = JSON.readTree(layout().resolve("blobs/sha256/" + Sha256.hex(manifestDigest)).toFile())
                .get("layers").get(0).get("digest").asText();
        Path blob = layout().resolve("blobs/sha256/" + Sha256.hex(weights));
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 1;
        Files.write(blob, bytes);

        Path to = dir.resolve("pulled");
        try (OciLayoutStore store = OciLayoutStore.open(layout())) {
            assertThatThrownBy(() -> ModelPackPuller.pull(store, "m1", "oci-layout://layout:m1", to))
                    .isInstanceOf(TransportException.class).hasMessageContaining(weights);
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("trained", "layout");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../escaped", "/tmp/absolute", "a/../../escaped", "a//b", "./config.json", ""})
    void aFilepathThatLeavesTheCheckpointIsRefusedBeforeAnythingIsWritten(String filepath) throws IOException {
        Path payload = Files.writeString(dir.resolve("payload"), "overwrite me");
        Descriptor layer = new Descriptor(ModelPack.WEIGHT_CONFIG_RAW, Sha256.of(payload), Files.size(payload),
                Map.of(ModelPack.FILEPATH, filepath));
        Path to = dir.resolve("sub/pulled");
        try (OciLayoutStore store = OciLayoutStore.open(layout())) {
            store.putBlob(layer, payload);
            Path config = Files.writeString(dir.resolve("config"), "{}");
            Descriptor configDescriptor = new Descriptor(ModelPack.CONFIG_MEDIA_TYPE, Sha256.of(config), 2, Map.of());
            store.putBlob(configDescriptor, config);
            ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2)
                    .put("mediaType", ModelPack.MANIFEST_MEDIA_TYPE).put("artifactType", ModelPack.ARTIFACT_TYPE);
            manifest.set("config", JSON.valueToTree(Map.of("mediaType", configDescriptor.mediaType(),
                    "digest", configDescriptor.digest(), "size", 2)));
            manifest.putArray("layers").add(JSON.valueToTree(Map.of("mediaType", layer.mediaType(),
                    "digest", layer.digest(), "size", layer.size(), "annotations", layer.annotations())));
            store.putManifest("evil", ModelPack.MANIFEST_MEDIA_TYPE, JSON.writeValueAsBytes(manifest));

            assertThatThrownBy(() -> ModelPackPuller.pull(store, "evil", "oci-layout://layout:evil", to))
                    .isInstanceOf(TransportException.class).hasMessageContaining(ModelPack.FILEPATH)
                    .hasMessageContaining(layer.digest());
        }
        assertThat(dir.resolve("escaped")).doesNotExist();
        assertThat(dir.resolve("sub")).doesNotExist();
        assertThat(Path.of("/tmp/absolute")).doesNotExist();
    }

    @Test
    void aCheckpointIsNotPulledOverAnExistingOne() throws IOException {
        publish();
        Path to = Files.createDirectories(dir.resolve("pulled"));
        Files.writeString(to.resolve("mine.txt"), "keep");
        try (OciLayoutStore store = OciLayoutStore.open(layout())) {
            assertThatThrownBy(() -> ModelPackPuller.pull(store, "m1", "oci-layout://layout:m1", to))
                    .isInstanceOf(TransportException.class).hasMessageContaining(to.toString())
                    .hasMessageContaining("not an empty directory");
        }
        try (Stream<Path> entries = Files.list(to)) {
            assertThat(entries).containsExactly(to.resolve("mine.txt"));
        }
    }

    @Test
    void anArtifactThatIsNotAModelIsRefusedNamingItsType() throws IOException {
        try (OciLayoutStore store = OciLayoutStore.open(layout())) {
            store.putManifest("image", ModelPack.MANIFEST_MEDIA_TYPE,
                    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}".getBytes());
            assertThatThrownBy(() -> ModelPackPuller.pull(store, "image", "oci-layout://layout:image", dir.resolve("x")))
                    .isInstanceOf(TransportException.class).hasMessageContaining("oci-layout://layout:image")
                    .hasMessageContaining("artifactType");
            assertThatThrownBy(() -> ModelPackPuller.pull(store, "nothing", "oci-layout://layout:nothing", dir.resolve("x")))
                    .isInstanceOf(TransportException.class).hasMessageContaining("oci-layout://layout:nothing: no such artifact");
        }
    }
}
