package dev.plrd.transport.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plrd.transport.Retry;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry store against a real registry (Debian's docker-registry, distribution 2.8) without auth. */
class RegistryStoreTest {
    private static final long CHUNK = 16L << 20;
    private static final Retry QUICK = new Retry(3, Duration.ofSeconds(10), Duration.ofMillis(50),
            Duration.ofMillis(200));

    @TempDir
    static Path dir;
    private static DockerRegistryServer registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        Assumptions.assumeTrue(DockerRegistryServer.installed(), DockerRegistryServer.missing());
        Files.createDirectories(dir.resolve("registry"));
        registry = DockerRegistryServer.start(dir.resolve("registry"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        if (registry != null) {
            registry.close();
        }
    }

    private static RegistryStore store(String repository) {
        return new RegistryStore(registry.host(), repository,
                new RegistryStore.Settings(true, CHUNK, QUICK, RegistryCredentials.ANONYMOUS));
    }

    @Test
    void blobsAndManifestComeBackByteIdenticalAndASecondPushUploadsNothing() throws Exception {
        Path in = Files.createDirectories(dir.resolve("round-trip"));
        Path config = Files.writeString(in.resolve("config.json"), "{\"architectures\":[\"llama\"]}");
        Path tokenizer = Files.writeString(in.resolve("tokenizer.json"), "{\"model\":{\"vocab\":{}}}");
        Descriptor big = RegistryTestBlobs.write(in.resolve("model.safetensors"), 100_000_037L, 7);
        List<Path> files = List.of(config, tokenizer, in.resolve("model.safetensors"));
        List<Descriptor> blobs = List.of(RegistryTestBlobs.describe(config), RegistryTestBlobs.describe(tokenizer), big);
        byte[] manifest = manifest(blobs.get(0), blobs.subList(1, 3));
        String digest;
        try (RegistryStore store = store("plrd/round-trip")) {
            for (int i = 0; i < files.size(); i++) {
                assertFalse(store.hasBlob(blobs.get(i)));
                store.putBlob(blobs.get(i), files.get(i));
                assertTrue(store.hasBlob(blobs.get(i)));
            }
            digest = store.putManifest("m1", "application/vnd.oci.image.manifest.v1+json", manifest);
        }
        assertEquals(Sha256.of(manifest), digest);
        // the 100 MB blob went in 16 MiB chunks, the small ones in one PUT each
        assertEquals(6, registry.requests("PATCH", "/v2/plrd/round-trip/blobs/uploads/"));

        Path out = Files.createDirectories(dir.resolve("pulled"));
        try (RegistryStore store = store("plrd/round-trip")) {
            for (String reference : List.of("m1", digest)) {
                ArtifactStore.StoredManifest stored = store.getManifest(reference).orElseThrow();
                assertEquals(digest, stored.digest());
                assertEquals("application/vnd.oci.image.manifest.v1+json", stored.mediaType());
                assertEquals(new String(manifest, StandardCharsets.UTF_8), new String(stored.bytes(), StandardCharsets.UTF_8));
            }
            for (int i = 0; i < files.size(); i++) {
                Path pulled = out.resolve(files.get(i).getFileName());
                store.getBlob(blobs.get(i), pulled);
                assertEquals(-1, Files.mismatch(files.get(i), pulled), pulled.toString());
            }
            assertTrue(store.getManifest("absent").isEmpty());
        }
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(3, left.count(), "no temporary file is left beside the pulled blobs");
        }

        long uploadsBefore = registry.requests("POST", "/blobs/uploads/") + registry.requests("PUT", "/blobs/uploads/")
                + registry.requests("PATCH", "/blobs/uploads/");
        try (RegistryStore store = store("plrd/round-trip")) {
            for (int i = 0; i < files.size(); i++) {
                store.putBlob(blobs.get(i), files.get(i));
            }
            assertEquals(digest, store.putManifest("m1", "application/vnd.oci.image.manifest.v1+json", manifest));
        }
        long uploadsAfter = registry.requests("POST", "/blobs/uploads/") + registry.requests("PUT", "/blobs/uploads/")
                + registry.requests("PATCH", "/blobs/uploads/");
        assertEquals(uploadsBefore, uploadsAfter, "a second push of the same blobs uploads nothing");
    }

    @Test
    void aBlobOfTheParentsRepositoryIsMountedWithoutSendingItsBytes() throws Exception {
        Path in = Files.createDirectories(dir.resolve("mount"));
        Descriptor shared = RegistryTestBlobs.write(in.resolve("shared"), 300_000, 31);
        Descriptor own = RegistryTestBlobs.write(in.resolve("own"), 200_000, 32);
        try (RegistryStore parent = store("plrd/parent")) {
            parent.putBlob(shared, in.resolve("shared"));
        }
        RegistryStore.Settings mounting = new RegistryStore.Settings(true, CHUNK, QUICK, RegistryCredentials.ANONYMOUS)
                .mountingFrom("plrd/parent");
        try (RegistryStore child = new RegistryStore(registry.host(), "plrd/child", mounting)) {
            child.putBlob(shared, in.resolve("shared"));
            child.putBlob(own, in.resolve("own"));
            child.getBlob(shared, in.resolve("shared-pulled"));
        }
        assertEquals(-1, Files.mismatch(in.resolve("shared"), in.resolve("shared-pulled")));
        assertEquals(2, registry.requests("POST", "/v2/plrd/child/blobs/uploads/?mount="));
        assertEquals(1, registry.requests("PUT", "/v2/plrd/child/blobs/uploads/"),
                "only the blob the parent lacks is sent");
    }

    @Test
    void aFileThatDoesNotMatchItsDigestIsRefusedAndNotStored() throws Exception {
        Path in = Files.createDirectories(dir.resolve("tampered"));
        for (long size : new long[] {1000, 3 * CHUNK + 5}) {
            Path file = in.resolve("shard-" + size);
            Descriptor honest = RegistryTestBlobs.write(file, size, 11);
            // one byte changed after the descriptor was made: the digest no longer matches
            byte[] one = new byte[1];
            try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(one), size / 2);
            }
            try (RegistryStore store = store("plrd/tampered")) {
                TransportException e = assertThrows(TransportException.class, () -> store.putBlob(honest, file));
                assertTrue(e.permanent(), e.getMessage());
                assertTrue(e.getMessage().contains(honest.digest()), e.getMessage());
                assertFalse(store.hasBlob(honest));
            }
        }
    }

    @Test
    void aBlobTheRegistryDoesNotHaveIsAPermanentFailureNamingIt() throws Exception {
        Descriptor absent = new Descriptor(RegistryTestBlobs.LAYER, "sha256:" + "0".repeat(64), 3, Map.of());
        Path to = dir.resolve("absent/blob");
        try (RegistryStore store = store("plrd/absent")) {
            TransportException e = assertThrows(TransportException.class, () -> store.getBlob(absent, to));
            assertTrue(e.permanent());
            assertTrue(e.getMessage().contains("plrd/absent") && e.getMessage().contains(absent.digest())
                    && e.getMessage().contains("404"), e.getMessage());
        }
        assertFalse(Files.exists(to));
    }

    @Test
    void aBlobWhoseBytesDifferFromItsDescriptorIsNotKept() throws Exception {
        Path file = dir.resolve("wrong-size");
        Descriptor stored = RegistryTestBlobs.write(file, 5000, 3);
        Descriptor claimed = new Descriptor(stored.mediaType(), stored.digest(), 4000, Map.of());
        Path to = Files.createDirectories(dir.resolve("wrong-size-pulled")).resolve("blob");
        try (RegistryStore store = store("plrd/wrong-size")) {
            store.putBlob(stored, file);
            TransportException e = assertThrows(TransportException.class, () -> store.getBlob(claimed, to));
            assertTrue(e.permanent(), e.getMessage());
        }
        try (Stream<Path> left = Files.list(to.getParent())) {
            assertEquals(0, left.count(), "neither the blob nor a temporary file is left");
        }
    }

    @Test
    void skopeoReadsTheManifestWritten() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")),
                "skopeo is not installed (apt-get install skopeo): the standard-tool check is skipped");
        Path in = Files.createDirectories(dir.resolve("skopeo"));
        Path empty = Files.writeString(in.resolve("empty"), "{}");
        Descriptor config = new Descriptor("application/vnd.oci.empty.v1+json",
                RegistryTestBlobs.describe(empty).digest(), 2, Map.of());
        Descriptor layer = RegistryTestBlobs.write(in.resolve("weights"), 4096, 5);
        byte[] manifest = manifest(config, List.of(layer));
        try (RegistryStore store = store("plrd/skopeo")) {
            store.putBlob(config, empty);
            store.putBlob(layer, in.resolve("weights"));
            store.putManifest("v1", "application/vnd.oci.image.manifest.v1+json", manifest);
        }
        Process skopeo = new ProcessBuilder("skopeo", "inspect", "--raw", "--tls-verify=false",
                "docker://" + registry.host() + "/plrd/skopeo:v1").redirectError(in.resolve("skopeo.err").toFile()).start();
        byte[] read = skopeo.getInputStream().readAllBytes();
        assertEquals(0, skopeo.waitFor(), Files.readString(in.resolve("skopeo.err")));
        assertEquals(new String(manifest, StandardCharsets.UTF_8), new String(read, StandardCharsets.UTF_8).trim());
    }

    /** A minimal OCI image manifest for the config and layers. */
    static byte[] manifest(Descriptor config, List<Descriptor> layers) {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"artifactType\":\"application/vnd.plrd.test.v1\",\"config\":" + descriptor(config) + ",\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            json.append(i == 0 ? "" : ",").append(descriptor(layers.get(i)));
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String descriptor(Descriptor d) {
        return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
    }
}
