package dev.plrd.transport.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.testing.JavaProcess;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OCI image layout store: the layout files, verified blobs, tags in index.json. */
class OciLayoutStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static Descriptor descriptorOf(Path file) throws IOException {
        return new Descriptor("application/octet-stream", Sha256.of(file), Files.size(file), Map.of());
    }

    @Test
    void aNewLayoutHasTheLayoutFileAnEmptyIndexAndTheBlobDirectory() throws IOException {
        Path layout = dir.resolve("layout");
        OciLayoutStore.open(layout).close();
        assertThat(JSON.readTree(layout.resolve("oci-layout").toFile()).get("imageLayoutVersion").asText()).isEqualTo("1.0.0");
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertThat(index.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(index.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
        assertThat(index.get("manifests")).isEmpty();
        assertThat(layout.resolve("blobs/sha256")).isDirectory();
    }

    @Test
    void aBlobIsStoredUnderItsDigestAndReadBackVerified() throws IOException {
        Path source = file("weights", "some weights");
        Descriptor blob = descriptorOf(source);
        try (OciLayoutStore store = OciLayoutStore.open(dir.resolve("layout"))) {
            assertThat(store.hasBlob(blob)).isFalse();
            store.putBlob(blob, source);
            assertThat(store.hasBlob(blob)).isTrue();
            assertThat(dir.resolve("layout/blobs/sha256/" + Sha256.hex(blob.digest()))).hasContent("some weights");
            store.getBlob(blob, dir.resolve("copy"));
        }
        assertThat(dir.resolve("copy")).hasSameBinaryContentAs(source);
    }

    @Test
    void aFileThatDoesNotMatchItsDescriptorNeverBecomesABlob() throws IOException {
        Path source = file("weights", "some weights");
        Descriptor claimed = new Descriptor("application/octet-stream", Sha256.of("other".getBytes()), 12, Map.of());
        try (OciLayoutStore store = OciLayoutStore.open(dir.resolve("layout"))) {
            assertThatThrownBy(() -> store.putBlob(claimed, source)).isInstanceOf(TransportException.class)
                    .hasMessageContaining(source.toString()).hasMessageContaining(claimed.digest())
                    .matches(e -> !((TransportException) e).permanent(), "retried: the file is hashed afresh");
            assertThat(store.hasBlob(claimed)).isFalse();
        }
        try (Stream<Path> blobs = Files.list(dir.resolve("layout/blobs/sha256"))) {
            assertThat(blobs).as("no blob and no temporary left").isEmpty();
        }
    }

    @Test
    void aTamperedBlobIsRefusedOnReadNamingItsDigestAndNothingIsWritten() throws IOException {
        Path source = file("weights", "some weights");
        Descriptor blob = descriptorOf(source);
        try (OciLayoutStore store = OciLayoutStore.open(dir.resolve("layout"))) {
            store.putBlob(blob, source);
            Files.writeString(store.blobFile(blob.digest()), "some w3ights");
            Path to = dir.resolve("copy");
            assertThatThrownBy(() -> store.getBlob(blob, to)).isInstanceOf(TransportException.class)
                    .hasMessageContaining(blob.digest()).hasMessageContaining("corrupt")
                    .matches(e -> ((TransportException) e).permanent());
            assertThat(to).doesNotExist();
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("weights", "layout");
        }
    }

    @Test
    void tagsPointAtManifestsAndARetagReplacesOnlyItsOwnEntry() throws IOException {
        byte[] one = manifest("x/one");
        byte[] two = manifest("x/two");
        try (OciLayoutStore store = OciLayoutStore.open(dir.resolve("layout"))) {
            String first = store.putManifest("m1", MANIFEST_TYPE, one);
            store.putManifest("m2", MANIFEST_TYPE, one);
            assertThat(first).isEqualTo(Sha256.of(one));
            String second = store.putManifest("m1", MANIFEST_TYPE, two);

            assertThat(store.getManifest("m1").orElseThrow().bytes()).isEqualTo(two);
            assertThat(store.getManifest("m1").orElseThrow().digest()).isEqualTo(second);
            assertThat(store.getManifest("m2").orElseThrow().bytes()).isEqualTo(one);
            assertThat(store.getManifest(first).orElseThrow().mediaType()).isEqualTo(MANIFEST_TYPE);
            assertThat(store.getManifest("m3")).isEmpty();
            assertThat(store.getManifest(Sha256.of(new byte[] {1}))).isEmpty();
        }
        JsonNode manifests = JSON.readTree(dir.resolve("layout/index.json").toFile()).get("manifests");
        assertThat(manifests).hasSize(2);
        for (JsonNode entry : manifests) {
            assertThat(entry.get("mediaType").asText()).isEqualTo(MANIFEST_TYPE);
            assertThat(entry.get("artifactType").asText()).isIn("x/one", "x/two");
            assertThat(entry.path("annotations").path(OciLayoutStore.REF_NAME).asText()).isIn("m1", "m2");
        }
    }

    private static byte[] manifest(String artifactType) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\",\"artifactType\":\"" + artifactType + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTamperedManifestIsRefusedNamingItsDigest() throws IOException {
        try (OciLayoutStore store = OciLayoutStore.open(dir.resolve("layout"))) {
            String digest = store.putManifest("m1", MANIFEST_TYPE, "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8));
            Files.writeString(store.blobFile(digest), "{\"schemaVersion\":3}");
            assertThatThrownBy(() -> store.getManifest("m1")).isInstanceOf(TransportException.class)
                    .hasMessageContaining(digest).hasMessageContaining("corrupt");
        }
    }

    @Test
    void publishersOfDifferentTagsAtOnceKeepEveryTag() throws Exception {
        Path layout = dir.resolve("layout");
        OciLayoutStore.open(layout).close();
        int writers = 8;
        int tagsEach = 15;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit((Callable<Void>) () -> {
                    try (OciLayoutStore store = OciLayoutStore.open(layout)) {
                        for (int t = 0; t < tagsEach; t++) {
                            String tag = "w" + writer + "-t" + t;
                            store.putManifest(tag, MANIFEST_TYPE, ("{\"tag\":\"" + tag + "\"}").getBytes(StandardCharsets.UTF_8));
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        JsonNode manifests = JSON.readTree(layout.resolve("index.json").toFile()).get("manifests");
        assertThat(manifests.size()).as("tags in index.json").isEqualTo(writers * tagsEach);
    }

    @Test
    void publisherProcessesOfDifferentTagsAtOnceKeepEveryTag() throws Exception {
        Path layout = dir.resolve("layout");
        OciLayoutStore.open(layout).close();
        int processes = 3;
        int tagsEach = 150;
        List<JavaProcess> writers = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            writers.add(JavaProcess.start(TagWriter.class, dir.resolve("writer" + p + ".log"), layout, "p" + p, tagsEach));
        }
        for (int p = 0; p < processes; p++) {
            assertThat(writers.get(p).waitFor()).as(Files.readString(dir.resolve("writer" + p + ".log"))).isZero();
        }
        JsonNode manifests = JSON.readTree(layout.resolve("index.json").toFile()).get("manifests");
        assertThat(manifests.size()).as("tags in index.json").isEqualTo(processes * tagsEach);
    }

    @Test
    void aDirectoryThatIsNotALayoutIsNotTurnedIntoOne() throws IOException {
        Path notLayout = dir.resolve("data");
        Files.createDirectories(notLayout);
        Files.writeString(notLayout.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> OciLayoutStore.open(notLayout)).isInstanceOf(TransportException.class)
                .hasMessageContaining(notLayout.toString()).hasMessageContaining("oci-layout");
        try (Stream<Path> entries = Files.list(notLayout)) {
            assertThat(entries).containsExactly(notLayout.resolve("notes.txt"));
        }
    }

    @Test
    void anUnknownLayoutVersionIsRefused() throws IOException {
        Path layout = dir.resolve("layout");
        Files.createDirectories(layout);
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");
        assertThatThrownBy(() -> OciLayoutStore.open(layout)).isInstanceOf(TransportException.class)
                .hasMessageContaining("imageLayoutVersion").hasMessageContaining("2.0.0");
    }
}
