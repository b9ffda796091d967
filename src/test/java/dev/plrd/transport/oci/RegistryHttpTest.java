package dev.plrd.transport.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.plrd.transport.Retry;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exchanges a registry store has with a registry that the Debian registry cannot stage: the
 * token-service challenge flow (distribution's token auth needs certificates), 5xx and 429 answers,
 * a refused connection, a blob redirect to storage, and a manifest whose bytes do not match its
 * digest. An HTTP server in the test plays the registry and its token service.
 */
class RegistryHttpTest {
    private static final String USER = "ci-robot";
    private static final String PASSWORD = "t0ken-Pa55";
    private static final String TOKEN = "issued-token-42";
    private static final byte[] MANIFEST = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
    private static final Retry QUICK = new Retry(3, Duration.ofSeconds(10), Duration.ofMillis(10),
            Duration.ofMillis(50));

    @TempDir
    Path dir;
    private HttpServer server;
    private String host;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus;
    private volatile String storageAuthorization;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        host = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/token", this::token);
        server.createContext("/v2/", this::registry);
        server.createContext("/storage/", exchange -> {
            storageAuthorization = exchange.getRequestHeaders().getFirst("Authorization");
            answer(exchange, 200, MANIFEST);
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private int hits(String path) {
        return hits.getOrDefault(path, new AtomicInteger()).get();
    }

    private void token(HttpExchange exchange) throws IOException {
        hits.computeIfAbsent("/token", k -> new AtomicInteger()).incrementAndGet();
        String basic = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        String query = exchange.getRequestURI().getQuery();
        if (!basic.equals(exchange.getRequestHeaders().getFirst("Authorization"))
                || !query.equals("service=fake-registry&scope=repository:plrd/family:pull")) {
            answer(exchange, 401, "{\"details\":\"bad credentials\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        answer(exchange, 200, ("{\"token\":\"" + TOKEN + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8));
    }

    private void registry(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        if (failuresLeft.getAndDecrement() > 0) {
            answer(exchange, failureStatus, new byte[0]);
            return;
        }
        if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host
                    + "/token\",service=\"fake-registry\",scope=\"repository:plrd/family:pull\"");
            answer(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (path.contains("/blobs/")) {
            exchange.getResponseHeaders().add("Location", "/storage/signed?X-Amz-Signature=abc");
            answer(exchange, 307, new byte[0]);
            return;
        }
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
        answer(exchange, 200, path.endsWith("/tampered") ? "{\"schemaVersion\":3}".getBytes(StandardCharsets.UTF_8) : MANIFEST);
    }

    private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    private RegistryStore store(String user, String password) {
        return new RegistryStore(host, "plrd/family",
                new RegistryStore.Settings(true, 1 << 20, QUICK, new RegistryCredentials(user, password, null)));
    }

    @Test
    void aBearerChallengeIsAnsweredWithATokenFromTheRealmThatIsKeptForTheScope() throws Exception {
        try (RegistryStore store = store(USER, PASSWORD)) {
            assertEquals(Sha256.of(MANIFEST), store.getManifest("m1").orElseThrow().digest());
            assertEquals(Sha256.of(MANIFEST), store.getManifest("m1").orElseThrow().digest());
        }
        assertEquals(1, hits("/token"), "one token serves both reads");
        assertEquals(3, hits("/v2/plrd/family/manifests/m1"), "one challenge, then two authorized reads");
    }

    @Test
    void aTokenRefusedByTheRealmIsPermanentAndTheMessageHoldsNoSecret() {
        try (RegistryStore store = store(USER, "wrong-Pa55")) {
            TransportException e = assertThrows(TransportException.class, () -> store.getManifest("m1"));
            assertTrue(e.permanent());
            assertEquals("token service 127.0.0.1 refused a token for repository plrd/family of registry " + host
                    + ": 401 Unauthorized (check publish.credentialsSecret)", e.getMessage());
            String base64 = Base64.getEncoder().encodeToString((USER + ":wrong-Pa55").getBytes(StandardCharsets.UTF_8));
            assertFalse(e.getMessage().contains("wrong-Pa55") || e.getMessage().contains(base64));
        }
    }

    @Test
    void serverErrorsAndTooManyRequestsAreRetriedWithinTheBudget() throws Exception {
        for (int status : new int[] {503, 429}) {
            hits.clear();
            failureStatus = status;
            failuresLeft.set(2);
            try (RegistryStore store = store(USER, PASSWORD)) {
                assertTrue(store.getManifest("m1").isPresent());
            }
            // two failures, the challenge, the authorized read
            assertEquals(4, hits("/v2/plrd/family/manifests/m1"), "status " + status);
        }
        hits.clear();
        failureStatus = 500;
        failuresLeft.set(100);
        try (RegistryStore store = store(USER, PASSWORD)) {
            TransportException e = assertThrows(TransportException.class, () -> store.getManifest("m1"));
            assertFalse(e.permanent(), "a 5xx that outlasts the budget is still one the Job may retry");
            assertTrue(e.getMessage().startsWith("download of manifest m1 failed after 3 tries"), e.getMessage());
            assertTrue(e.getMessage().contains("500 Internal Server Error"), e.getMessage());
        }
        assertEquals(3, hits("/v2/plrd/family/manifests/m1"));
    }

    @Test
    void aRefusedConnectionIsRetriedThenReportedAsPassing() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        try (RegistryStore store = new RegistryStore("127.0.0.1:" + closed, "plrd/family",
                new RegistryStore.Settings(true, 1 << 20, QUICK, RegistryCredentials.ANONYMOUS))) {
            TransportException e = assertThrows(TransportException.class, () -> store.getManifest("m1"));
            assertFalse(e.permanent());
            assertTrue(e.getMessage().contains("failed after 3 tries") && e.getMessage().contains("could not be reached")
                    && e.getMessage().contains("ConnectException"), e.getMessage());
        }
    }

    @Test
    void aBlobRedirectIsFollowedWithoutTheRegistrysAuthorization() throws Exception {
        Descriptor blob = new Descriptor(RegistryTestBlobs.LAYER, Sha256.of(MANIFEST), MANIFEST.length, Map.of());
        try (RegistryStore store = store(USER, PASSWORD)) {
            store.getBlob(blob, dir.resolve("blob"));
        }
        assertEquals(new String(MANIFEST, StandardCharsets.UTF_8), Files.readString(dir.resolve("blob")));
        assertNull(storageAuthorization, "a signed storage URL gets no registry token");
    }

    @Test
    void aManifestFetchedByDigestMustHaveThatDigest() {
        String expected = Sha256.of(MANIFEST);
        server.createContext("/v2/plrd/family/manifests/" + expected, exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
            answer(exchange, 200, "{\"schemaVersion\":3}".getBytes(StandardCharsets.UTF_8));
        });
        try (RegistryStore store = store(USER, PASSWORD)) {
            TransportException e = assertThrows(TransportException.class, () -> store.getManifest(expected));
            assertTrue(e.permanent());
            assertTrue(e.getMessage().contains("arrived with digest " + Sha256.of(
                    "{\"schemaVersion\":3}".getBytes(StandardCharsets.UTF_8))), e.getMessage());
        }
    }

    @Test
    void httpsUnlessPlainHttpIsAsked() {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        RegistryAuth anonymous = new RegistryAuth(client, RegistryCredentials.ANONYMOUS, "r.example", "a/b");
        assertEquals("https://r.example/v2/a/b/manifests/m1",
                new RegistryHttp(client, false, "r.example", "a/b", anonymous).uri("manifests/m1").toString());
        assertEquals("http://r.example/v2/a/b/manifests/m1",
                new RegistryHttp(client, true, "r.example", "a/b", anonymous).uri("manifests/m1").toString());
    }

    @Test
    void challengeParametersMayBeQuotedAndHoldCommas() {
        Map<String, String> c = RegistryAuth.challenge(List.of("Basic realm=\"x\"",
                "Bearer realm=\"https://auth.example/token\",service=registry.example,scope=\"repository:a/b:pull,push\""), "bearer");
        assertEquals(Map.of("realm", "https://auth.example/token", "service", "registry.example",
                "scope", "repository:a/b:pull,push"), c);
        assertNull(RegistryAuth.challenge(List.of("Basic realm=\"x\""), "bearer"));
    }
}
