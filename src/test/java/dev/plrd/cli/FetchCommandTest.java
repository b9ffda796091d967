package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.JavaProcess;
import dev.plrd.transport.fetch.HubImitation;
import dev.plrd.transport.fetch.S3Server;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd fetch` as a user and a stage pod run it: the result JSON, --to, exit codes, a killed run resumed, the token. */
class FetchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
    private static final String SECRET = "hf_CommandLineSecret9876543210";

    @TempDir
    Path dir;
    HubImitation hub;
    byte[] weights;

    @BeforeEach
    void startHub() throws IOException {
        weights = new byte[12_000_000];
        new Random(7).nextBytes(weights);
        hub = new HubImitation();
        model("org/tiny", false);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private void model(String name, boolean privateRepo) {
        hub.repo("models", name, COMMIT).add("config.json", "{}").add("README.md", "not fetched")
                .addLfs("model.safetensors", weights).privateRepo = privateRepo;
    }

    private List<String> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void fetchesIntoToAndReportsTheRevisionFilesAndBytesAndASecondRunDownloadsNothing() throws Exception {
        Path to = dir.resolve("base");
        Path result = dir.resolve("result.json");
        Plrd.Run run = Plrd.run("fetch", "hf://org/tiny", "--to", to, "--cache", dir.resolve("cache"),
                "--hub-endpoint", hub.endpoint(), "--result", result);

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(files(to)).containsExactly("config.json", "model.safetensors");
        assertThat(Files.readAllBytes(to.resolve("model.safetensors"))).isEqualTo(weights);
        JsonNode json = JSON.readTree(result.toFile());
        assertThat(json.get("uri").asText()).isEqualTo(to.toAbsolutePath().toString());
        assertThat(json.get("revision").asText()).isEqualTo(COMMIT);
        assertThat(json.get("files").asInt()).isEqualTo(2);
        assertThat(json.get("bytes").asLong()).isEqualTo(json.get("downloaded").asLong()).isGreaterThan(weights.length);
        assertThat(run.err()).contains("MB/s");

        int downloads = hub.downloads().size();
        Plrd.Run again = Plrd.run("fetch", "hf://org/tiny", "--to", to, "--cache", dir.resolve("cache"),
                "--hub-endpoint", hub.endpoint(), "--result", result);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(hub.downloads()).hasSize(downloads);
        assertThat(JSON.readTree(result.toFile()).get("downloaded").asLong()).isZero();
    }

    @Test
    void pinnedKeepsTheCommitTheCacheRecordedForABranchAndTheDefaultFollowsTheBranch() throws Exception {
        String moved = "0000000000111111111122222222223333333333";
        Path cache = dir.resolve("cache");
        Path result = dir.resolve("result.json");
        assertThat(Plrd.run("fetch", "hf://org/tiny", "--pinned", "--cache", cache, "--hub-endpoint", hub.endpoint())
                .code()).isZero();
        hub.repo("models", "org/tiny", moved).add("config.json", "{\"moved\": true}").addLfs("model.safetensors", weights);

        Plrd.Run pinned = Plrd.run("fetch", "hf://org/tiny", "--pinned", "--cache", cache, "--hub-endpoint",
                hub.endpoint(), "--result", result);
        assertThat(pinned.code()).as(pinned.err()).isZero();
        assertThat(JSON.readTree(result.toFile()).get("revision").asText()).isEqualTo(COMMIT);

        Plrd.Run following = Plrd.run("fetch", "hf://org/tiny", "--cache", cache, "--hub-endpoint", hub.endpoint(),
                "--result", result);
        assertThat(following.code()).as(following.err()).isZero();
        JsonNode json = JSON.readTree(result.toFile());
        assertThat(json.get("revision").asText()).isEqualTo(moved);
        assertThat(Path.of(json.get("uri").asText()).resolve("config.json")).hasContent("{\"moved\": true}");
    }

    @Test
    void aToThatHoldsOtherFilesIsRefusedAndAnUnknownRevisionIsPermanent() throws Exception {
        Path to = Files.createDirectories(dir.resolve("base"));
        Files.writeString(to.resolve("mine.txt"), "keep");
        Plrd.Run occupied = Plrd.run("fetch", "hf://org/tiny", "--to", to, "--cache", dir.resolve("cache"),
                "--hub-endpoint", hub.endpoint());
        assertThat(occupied.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(occupied.err()).contains("--to " + to + ": exists and holds other files");
        assertThat(Files.readString(to.resolve("mine.txt"))).isEqualTo("keep");

        Path result = dir.resolve("result.json");
        Plrd.Run unknown = Plrd.run("fetch", "hf://org/tiny@v404", "--cache", dir.resolve("cache"),
                "--hub-endpoint", hub.endpoint(), "--result", result);
        assertThat(unknown.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(JSON.readTree(result.toFile()).get("error").asText()).startsWith("hf://org/tiny@v404: HTTP 404");
    }

    @Test
    void aFetchKilledMidDownloadIsResumedFromItsPartialFileByTheNextRun() throws Exception {
        hub.throttle.put("model.safetensors", 100_000);
        Path cache = dir.resolve("cache");
        Path log = dir.resolve("fetch.log");
        JavaProcess first = JavaProcess.start(Main.class, log, "fetch", "hf://org/tiny", "--cache", cache,
                "--hub-endpoint", hub.endpoint());
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (partialBytes(cache) < 2_000_000 && first.process().isAlive() && Instant.now().isBefore(deadline)) {
            Thread.sleep(10);
        }
        assertThat(partialBytes(cache)).as(Files.readString(log)).isGreaterThanOrEqualTo(2_000_000);
        first.process().destroyForcibly();
        first.waitFor();
        long left = partialBytes(cache);
        assertThat(left).as("SIGKILL leaves the partial file").isLessThan(weights.length);

        hub.throttle.put("model.safetensors", 0);
        Plrd.Run second = Plrd.run("fetch", "hf://org/tiny", "--cache", cache, "--hub-endpoint", hub.endpoint(),
                "--to", dir.resolve("base"));

        assertThat(second.code()).as(second.err()).isZero();
        assertThat(hub.downloads()).extracting(HubImitation.Request::range).as("the second run asked for the rest only").contains("bytes=" + left + "-");
        assertThat(Files.readAllBytes(dir.resolve("base/model.safetensors"))).isEqualTo(weights);
    }

    @Test
    void twoProcessesFetchingTheSameModelIntoOneCacheDownloadItOnce() throws Exception {
        hub.throttle.put("model.safetensors", 200_000);
        Path cache = dir.resolve("cache");
        List<JavaProcess> workers = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            workers.add(JavaProcess.start(Main.class, dir.resolve(name + ".log"), "fetch", "hf://org/tiny", "--cache",
                    cache, "--hub-endpoint", hub.endpoint(), "--to", dir.resolve(name)));
        }
        for (int i = 0; i < workers.size(); i++) {
            assertThat(workers.get(i).waitFor()).as(Files.readString(dir.resolve(List.of("a", "b").get(i) + ".log")))
                    .isZero();
        }

        assertThat(Files.readAllBytes(dir.resolve("a/model.safetensors"))).isEqualTo(weights);
        assertThat(Files.readAllBytes(dir.resolve("b/model.safetensors"))).isEqualTo(weights);
        assertThat(hub.downloads()).filteredOn(r -> r.path().startsWith("/cdn/"))
                .as("the second process waits on the blob's lock, then finds it complete").hasSize(1);
    }

    private static long partialBytes(Path cache) throws IOException {
        Path blobs = cache.resolve("models/org--tiny/blobs");
        if (!Files.isDirectory(blobs)) {
            return 0;
        }
        try (Stream<Path> list = Files.list(blobs)) {
            long total = 0;
            for (Path p : list.filter(p -> p.toString().endsWith(".partial")).toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }

    @Test
    void theTokenFromTheEnvironmentOpensAPrivateRepositoryAndIsNeverPrinted() throws Exception {
        model("org/private", true);
        hub.token(SECRET);

        Worker wrong = worker(SECRET + "x", "hf://org/private");
        assertThat(wrong.code()).as(wrong.output()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(wrong.output()).contains("hf://org/private: HTTP 401").doesNotContain(SECRET);
        assertThat(wrong.result()).contains("HTTP 401").doesNotContain(SECRET);

        Worker right = worker(SECRET, "hf://org/private");
        assertThat(right.code()).as(right.output()).isZero();
        assertThat(right.output() + right.result()).doesNotContain(SECRET);
    }

    record Worker(int code, String output, String result) {
    }

    /** `plrd fetch` in a process of its own with HF_TOKEN in its environment, as a stage pod gets it from a Secret. */
    private Worker worker(String token, String uri) throws Exception {
        return worker(Map.of("HF_TOKEN", token), "fetch", uri, "--cache", dir.resolve("cache-" + token.length()).toString(),
                "--hub-endpoint", hub.endpoint().toString());
    }

    /** `plrd ARGS --result FILE` in a process of its own with env added to its environment. */
    private Worker worker(Map<String, String> env, String... args) throws Exception {
        Path result = dir.resolve("worker-result.json");
        Files.deleteIfExists(result);
        Path log = dir.resolve("worker.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                Main.class.getName()));
        command.addAll(List.of(args));
        command.addAll(List.of("--result", result.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        int code = builder.start().waitFor();
        return new Worker(code, Files.readString(log), Files.exists(result) ? Files.readString(result) : "");
    }

    @Test
    void anS3PrefixIsFetchedWithTheAwsVariablesAndA404Or403IsPermanentNamingUriAndStatus() throws Exception {
        assumeThat(S3Server.executable()).as(S3Server.missing()).isPresent();
        try (S3Server s3 = S3Server.start(dir, "models")) {
            s3.put("models", "tiny/config.json", "{}".getBytes(StandardCharsets.UTF_8));
            s3.put("models", "tiny/model.safetensors", weights);
            Map<String, String> env = Map.of("AWS_ENDPOINT_URL", s3.endpoint().toString(), "AWS_REGION", "eu-west-1",
                    "AWS_ACCESS_KEY_ID", S3Server.KEY, "AWS_SECRET_ACCESS_KEY", S3Server.KEY);
            Path cache = dir.resolve("cache");

            Worker fetched = worker(env, "fetch", "s3://models/tiny", "--cache", cache.toString(), "--to",
                    dir.resolve("base").toString());
            assertThat(fetched.code()).as(fetched.output()).isZero();
            assertThat(Files.readAllBytes(dir.resolve("base/model.safetensors"))).isEqualTo(weights);
            assertThat(JSON.readTree(fetched.result()).get("downloaded").asLong()).isEqualTo(weights.length + 2);

            Worker missing = worker(env, "fetch", "s3://no-such-bucket/tiny", "--cache", cache.toString());
            assertThat(missing.code()).as(missing.output()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
            assertThat(JSON.readTree(missing.result()).get("error").asText())
                    .startsWith("s3://no-such-bucket/tiny: HTTP 404");

            String secret = "SecretThatMustNotBePrinted0123456789";
            Map<String, String> refused = new HashMap<>(env);
            refused.putAll(Map.of("AWS_ACCESS_KEY_ID", "AKIAUNKNOWN", "AWS_SECRET_ACCESS_KEY", secret));
            Worker denied = worker(refused, "fetch", "s3://models/tiny", "--cache", dir.resolve("cache2").toString());
            assertThat(denied.code()).as(denied.output()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
            assertThat(JSON.readTree(denied.result()).get("error").asText()).startsWith("s3://models/tiny: HTTP 403");
            assertThat(denied.output() + denied.result()).doesNotContain(secret);
        }
    }
}
