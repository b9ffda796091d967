package dev.plrd.transport.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plrd.testing.JavaProcess;
import dev.plrd.transport.Retry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry that goes away in the middle of a push, and a push too large for the heap of the JVM that makes it. */
class RegistryFaultTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsRegistry() {
        Assumptions.assumeTrue(DockerRegistryServer.installed(), DockerRegistryServer.missing());
    }

    @Test
    void aRegistryKilledMidPushAndRestartedGetsTheBlobOnARetry() throws Exception {
        Path file = dir.resolve("shard");
        Descriptor blob = RegistryTestBlobs.write(file, 64L << 20, 21);
        Retry patient = new Retry(30, Duration.ofSeconds(60), Duration.ofMillis(100), Duration.ofMillis(500));
        try (DockerRegistryServer registry = DockerRegistryServer.start(Files.createDirectories(dir.resolve("registry")));
                RegistryStore store = new RegistryStore(registry.host(), "plrd/family",
                        new RegistryStore.Settings(true, 512 << 10, patient, RegistryCredentials.ANONYMOUS))) {
            CompletableFuture<Void> push = CompletableFuture.runAsync(() -> {
                try {
                    store.putBlob(blob, file);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            while (registry.requests("PATCH", "/blobs/uploads/") < 3) {
                assertFalse(push.isDone(), "the push ended before the registry could be killed");
                Thread.sleep(5);
            }
            registry.kill();
            assertFalse(push.isDone(), "the push was under way when the registry went away");
            Thread.sleep(1000);
            registry.restart();
            push.get();

            // the upload session died with the registry: the retry opened a new one
            List<String> log = registry.log();
            long starts = log.stream().filter(l -> l.contains("http.request.method=POST") && l.contains("response completed")).count();
            assertEquals(2, starts, "one upload session before the kill, one after");
            assertTrue(store.hasBlob(blob));
            store.getBlob(blob, dir.resolve("pulled"));
            assertEquals(-1, Files.mismatch(file, dir.resolve("pulled")));
        }
    }

    @Test
    void a100MegabyteBlobGoesBothWaysThroughA32MegabyteHeap() throws Exception {
        Path file = dir.resolve("model.safetensors");
        RegistryTestBlobs.write(file, 100L << 20, 8);
        try (DockerRegistryServer registry = DockerRegistryServer.start(Files.createDirectories(dir.resolve("registry")))) {
            Path log = dir.resolve("push.log");
            // the default 64 MiB chunks and a 100 MiB blob would each overflow this heap if held in memory
            JavaProcess push = JavaProcess.start(List.of("-Xmx32m", "-XX:+ExitOnOutOfMemoryError"),
                    RegistryPushProcess.class, log, registry.host(), "plrd/heap", file, dir.resolve("pulled"));
            assertEquals(0, push.waitFor(), Files.readString(log));
            assertEquals(-1, Files.mismatch(file, dir.resolve("pulled")));
            assertEquals(2, registry.requests("PATCH", "/v2/plrd/heap/blobs/uploads/"), "two chunks of 64 MiB at most");
        }
    }
}
