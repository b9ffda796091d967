package dev.plrd.transport.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plrd.transport.Retry;
import dev.plrd.transport.TransportException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry store against a real registry behind htpasswd basic auth, credentials read from a Docker config. */
class RegistryBasicAuthTest {
    private static final String USER = "publisher";
    private static final String PASSWORD = "s3cret-Pa55word";
    private static final String WRONG_PASSWORD = "wr0ng-Pa55word";
    private static final Retry QUICK = new Retry(3, Duration.ofSeconds(10), Duration.ofMillis(50),
            Duration.ofMillis(200));

    @TempDir
    static Path dir;
    private static DockerRegistryServer registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        Assumptions.assumeTrue(DockerRegistryServer.installed(), DockerRegistryServer.missing());
        registry = DockerRegistryServer.start(Files.createDirectories(dir.resolve("registry")), USER, PASSWORD);
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        if (registry != null) {
            registry.close();
        }
    }

    /** A Docker config as a kubernetes.io/dockerconfigjson Secret holds it, for this registry. */
    private static RegistryCredentials fromConfig(String password) throws Exception {
        String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
        Path config = dir.resolve("config-" + password + ".json");
        Files.writeString(config, "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
        return RegistryCredentials.fromDockerConfig(config, registry.host());
    }

    private static RegistryStore store(RegistryCredentials credentials) {
        return new RegistryStore(registry.host(), "plrd/family",
                new RegistryStore.Settings(true, RegistryStore.DEFAULT_CHUNK_SIZE, QUICK, credentials));
    }

    @Test
    void theRightCredentialsPushAndPull() throws Exception {
        Path file = dir.resolve("weights");
        Descriptor blob = RegistryTestBlobs.write(file, 10_000, 1);
        byte[] manifest = RegistryStoreTest.manifest(blob, List.of(blob));
        try (RegistryStore store = store(fromConfig(PASSWORD))) {
            store.putBlob(blob, file);
            String digest = store.putManifest("member-1", "application/vnd.oci.image.manifest.v1+json", manifest);
            assertEquals(digest, store.getManifest("member-1").orElseThrow().digest());
            store.getBlob(blob, dir.resolve("pulled"));
        }
        assertEquals(-1, Files.mismatch(file, dir.resolve("pulled")));
    }

    @Test
    void wrongCredentialsArePermanentAndTheMessageNamesTheRepositoryButNoSecret() throws Exception {
        Path file = dir.resolve("refused");
        Descriptor blob = RegistryTestBlobs.write(file, 100, 2);
        String auth = Base64.getEncoder().encodeToString((USER + ":" + WRONG_PASSWORD).getBytes(StandardCharsets.UTF_8));
        for (RegistryCredentials credentials : List.of(fromConfig(WRONG_PASSWORD), RegistryCredentials.ANONYMOUS)) {
            try (RegistryStore store = store(credentials)) {
                TransportException e = assertThrows(TransportException.class, () -> store.putBlob(blob, file));
                assertTrue(e.permanent(), e.getMessage());
                assertEquals("registry " + registry.host() + " refused repository plrd/family (check of blob "
                        + blob.digest() + "): 401 Unauthorized (check publish.credentialsSecret)", e.getMessage());
                assertFalse(e.getMessage().contains(WRONG_PASSWORD) || e.getMessage().contains(auth));
                assertFalse(String.valueOf(credentials).contains(WRONG_PASSWORD));
            }
        }
        String log = String.join("\n", registry.log());
        assertFalse(log.contains(WRONG_PASSWORD) || log.contains(auth), "nor does the registry's log");
    }
}
