package dev.plrd.transport.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.plrd.transport.Retry;
import dev.plrd.transport.TransportException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetching from an imitation of the Hub on 127.0.0.1 into a cache: what is downloaded, verified, resumed, refused. */
class FetcherTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final String SECRET = "hf_RecognisableSecretToken0123456789";
    private static final Retry QUICK = new Retry(4, Duration.ofMinutes(1), Duration.ofMillis(5), Duration.ofMillis(20));

    @TempDir
    Path dir;
    HubImitation hub;
    byte[] shard1;
    byte[] shard2;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void startHub() throws IOException {
        hub = new HubImitation();
        shard1 = random(3_000_000, 1);
        shard2 = random(1_000_000, 2);
        tinyModel(hub.repo("models", "org/tiny", COMMIT));
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    HubImitation.Repo tinyModel(HubImitation.Repo repo) {
        return repo.add("config.json", "{\"architectures\": [\"LlamaForCausalLM\"]}")
                .add("tokenizer.json", "{\"model\": {}}")
                .add("model.safetensors.index.json", "{\"weight_map\": {}}")
                .addLfs("model-00001-of-00002.safetensors", shard1)
                .addLfs("model-00002-of-00002.safetensors", shard2)
                .add("README.md", "# tiny")
                .addLfs("pytorch_model.bin", random(1000, 3))
                .addLfs("original/consolidated.safetensors", random(1000, 4));
    }

    Fetcher fetcher(String token) {
        return fetcher(token, false);
    }

    Fetcher fetcher(String token, boolean pinRevisions) {
        return new Fetcher(dir.resolve("cache"), new HubEndpoint(hub.endpoint(), token), QUICK,
                new TransferProgress(new PrintStream(log, true), false, 0, System::nanoTime), pinRevisions);
    }

    FetchResult fetch(String uri) throws IOException {
        return fetcher(null).fetch(FetchSource.parse(uri));
    }

    static List<String> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void fetchesWhatACheckpointNeedsByteForByteFromAListingOfSeveralPages() throws Exception {
        FetchResult result = fetch("hf://org/tiny");

        assertThat(result.revision()).isEqualTo(COMMIT);
        assertThat(files(result.location())).containsExactly("config.json", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json");
        assertThat(Files.readAllBytes(result.location().resolve("model-00001-of-00002.safetensors"))).isEqualTo(shard1);
        assertThat(Files.readAllBytes(result.location().resolve("model-00002-of-00002.safetensors"))).isEqualTo(shard2);
        assertThat(Files.readString(result.location().resolve("config.json"))).contains("LlamaForCausalLM");
        assertThat(result.files()).isEqualTo(5);
        assertThat(result.downloaded()).isEqualTo(result.bytes()).isGreaterThan(4_000_000);
        assertThat(hub.requests).filteredOn(r -> r.path().contains("/tree/")).hasSizeGreaterThan(2);
        assertThat(hub.requests).filteredOn(r -> r.path().startsWith("/cdn/")).hasSize(2);
        assertThat(result.location()).startsWith(dir.resolve("cache/models/org--tiny/snapshots"));
    }

    @Test
    void aSecondFetchDownloadsNothingAndAPinnedCommitNeedsNoRequestAtAll() throws Exception {
        fetch("hf://org/tiny@main");
        int before = hub.downloads().size();

        FetchResult again = fetch("hf://org/tiny");
        assertThat(hub.downloads()).hasSize(before);
        assertThat(again.downloaded()).isZero();

        int requests = hub.requests.size();
        FetchResult pinned = fetch("hf://org/tiny@" + COMMIT);
        assertThat(hub.requests).hasSize(requests);
        assertThat(pinned.location()).isEqualTo(again.location());
    }

    @Test
    void aPinnedFetchKeepsTheCommitItsBranchFirstResolvedToWhileAnUnpinnedOneFollowsTheBranch() throws Exception {
        String moved = "fedcba9876543210fedcba9876543210fedcba98";
        FetchResult first = fetcher(null, true).fetch(FetchSource.parse("hf://org/tiny@main"));
        assertThat(first.revision()).isEqualTo(COMMIT);
        assertThat(dir.resolve("cache/models/org--tiny/refs/main")).hasContent(COMMIT);

        shard2 = random(1_000_000, 7);
        tinyModel(hub.repo("models", "org/tiny", moved));
        int requests = hub.requests.size();
        FetchResult pinned = fetcher(null, true).fetch(FetchSource.parse("hf://org/tiny@main"));
        assertThat(pinned.revision()).as("main has moved on the Hub").isEqualTo(COMMIT);
        assertThat(pinned.location()).isEqualTo(first.location());
        assertThat(hub.requests).as("the recorded ref and snapshot need no request").hasSize(requests);

        FetchResult unpinned = fetcher(null, false).fetch(FetchSource.parse("hf://org/tiny@main"));
        assertThat(unpinned.revision()).isEqualTo(moved);
        assertThat(Files.readAllBytes(unpinned.location().resolve("model-00002-of-00002.safetensors"))).isEqualTo(shard2);
        assertThat(dir.resolve("cache/models/org--tiny/refs/main")).hasContent(moved);
        assertThat(fetcher(null, true).fetch(FetchSource.parse("hf://org/tiny@main")).revision()).isEqualTo(moved);
    }

    @Test
    void aRevisionWithSlashesOrDotsIsRecordedInsideRefs() throws Exception {
        tinyModel(hub.repo("models", "org/tiny", COMMIT)).revisions.putAll(Map.of("refs/pr/1", COMMIT, "..", COMMIT));

        fetch("hf://org/tiny@refs/pr/1");
        fetch("hf://org/tiny@..");

        assertThat(files(dir.resolve("cache/models/org--tiny/refs"))).containsExactly("%2E%2E", "refs%2Fpr%2F1");
    }

    @Test
    void aDroppedConnectionIsResumedWithARangeAndTheWholeFileVerified() throws Exception {
        hub.dropHalfway.add("model-00001-of-00002.safetensors");

        FetchResult result = fetch("hf://org/tiny");

        assertThat(Files.readAllBytes(result.location().resolve("model-00001-of-00002.safetensors"))).isEqualTo(shard1);
        assertThat(hub.downloads()).filteredOn(r -> r.range() != null && r.path().startsWith("/cdn/"))
                .extracting(HubImitation.Request::range).singleElement()
                .satisfies(range -> assertThat(Long.parseLong(range.replaceAll("bytes=(\\d+)-", "$1")))
                        .as("resumed from what arrived before the cut").isPositive().isLessThanOrEqualTo(shard1.length / 2));
    }

    @Test
    void aPartialFileLeftBehindIsNeverTrusted() throws Exception {
        Path blobs = Files.createDirectories(dir.resolve("cache/models/org--tiny/blobs"));
        byte[] wrongPrefix = random(1000, 99);
        Files.write(blobs.resolve(HubImitation.sha256(new HubImitation.RepoFile(shard1, null, true)) + ".partial"),
                wrongPrefix);

        FetchResult result = fetch("hf://org/tiny");

        assertThat(Files.readAllBytes(result.location().resolve("model-00001-of-00002.safetensors"))).isEqualTo(shard1);
        assertThat(hub.downloads()).extracting(HubImitation.Request::range).contains("bytes=1000-");
    }

    @Test
    void aFileWhoseContentDoesNotMatchItsListedSha256IsRejectedByName() throws Exception {
        hub.repo("models", "org/tampered", COMMIT).add("config.json", "{}")
                .addLfs("model.safetensors", shard2).tamper("model.safetensors");

        assertThatThrownBy(() -> fetch("hf://org/tampered"))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isTrue())
                .hasMessageContaining("hf://org/tampered model.safetensors").hasMessageContaining("0".repeat(64));
        assertThat(dir.resolve("cache/models/org--tampered/snapshots")).doesNotExist();
        assertThat(dir.resolve("cache/models/org--tampered/blobs/" + "0".repeat(64))).doesNotExist();
        assertThat(dir.resolve("cache/models/org--tampered/blobs/" + "0".repeat(64) + ".partial")).doesNotExist();
    }

    @Test
    void aServerErrorIsRetriedWithinTheBudgetAndThenGivesUpRetriably() throws Exception {
        hub.failNext(3);
        assertThat(fetch("hf://org/tiny").revision()).isEqualTo(COMMIT);

        hub.failNext(100);
        assertThatThrownBy(() -> fetch("hf://org/other"))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isFalse())
                .hasMessageContaining("hf://org/other").hasMessageContaining("HTTP 503");
    }

    @Test
    void anUnknownRevisionIsAPermanentFailureNamingTheUriAndStatus() {
        assertThatThrownBy(() -> fetch("hf://org/tiny@v9"))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isTrue())
                .hasMessageStartingWith("hf://org/tiny@v9: HTTP 404");
    }

    @Test
    void aPrivateRepositoryNeedsTheTokenWhichNoMessageOrLogLineEverShows() throws Exception {
        hub.token(SECRET);
        tinyModel(hub.repo("models", "org/private", COMMIT)).privateRepo = true;
        hub.dropHalfway.add("model-00001-of-00002.safetensors");

        assertThatThrownBy(() -> fetcher(null).fetch(FetchSource.parse("hf://org/private")))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isTrue())
                .hasMessageContaining("hf://org/private").hasMessageContaining("HTTP 401")
                .hasMessageContaining("set HF_TOKEN");
        Throwable wrong = catchThrowable(() -> fetcher(SECRET + "-wrong").fetch(FetchSource.parse("hf://org/private")));
        assertThat(wrong).hasMessageContaining("HTTP 401").hasMessageNotContaining(SECRET);

        PrintStream err = System.err;
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        System.setErr(new PrintStream(errors, true));
        FetchResult result;
        try {
            result = fetcher(SECRET).fetch(FetchSource.parse("hf://org/private"));
        } finally {
            System.setErr(err);
        }
        assertThat(files(result.location())).hasSize(5);
        assertThat(errors.toString()).as("the retry after the dropped connection is logged").contains("retrying")
                .doesNotContain(SECRET);
        assertThat(log.toString()).doesNotContain(SECRET);
        assertThat(new HubEndpoint(hub.endpoint(), SECRET).toString()).doesNotContain(SECRET);
        assertThat(hub.requests).filteredOn(r -> r.path().startsWith("/cdn/"))
                .as("the CDN a download is redirected to never gets the token").allMatch(r -> r.authorization() == null);
        assertThat(hub.requests).filteredOn(r -> r.path().startsWith("/api/"))
                .anyMatch(r -> ("Bearer " + SECRET).equals(r.authorization()));
    }

    @Test
    void twoFetchersOfTheSameRepositoryDownloadEachFileOnce() throws Exception {
        hub.throttle.put("model-00001-of-00002.safetensors", 200_000);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<FetchResult> a = pool.submit(() -> fetch("hf://org/tiny"));
            Future<FetchResult> b = pool.submit(() -> fetch("hf://org/tiny"));
            assertThat(Files.readAllBytes(a.get().location().resolve("model-00001-of-00002.safetensors"))).isEqualTo(shard1);
            assertThat(Files.readAllBytes(b.get().location().resolve("model-00001-of-00002.safetensors"))).isEqualTo(shard1);
            assertThat(a.get().downloaded() + b.get().downloaded()).isEqualTo(a.get().bytes());
        } finally {
            pool.shutdownNow();
        }
        assertThat(hub.requests).filteredOn(r -> r.path().startsWith("/cdn/")).hasSize(2);
    }

    @Test
    void aDatasetRepositoryGivesTheFilesPlrdReadsOrThoseOfTheGlob() throws Exception {
        hub.repo("datasets", "org/corpus", COMMIT).add("README.md", "# corpus").add("train/a.jsonl", "{\"text\": \"a\"}\n")
                .add("train/b.txt", "b").add("valid/c.jsonl", "{\"text\": \"c\"}\n").addLfs("train/d.jsonl.gz", shard2)
                .add("notes.csv", "x");

        assertThat(files(fetch("hf://datasets/org/corpus").location()))
                .containsExactly("train/a.jsonl", "train/b.txt", "train/d.jsonl.gz", "valid/c.jsonl");
        FetchResult valid = fetch("hf://datasets/org/corpus#valid/*");
        assertThat(files(valid.location())).containsExactly("valid/c.jsonl");
        assertThat(hub.requests).noneMatch(r -> r.path().startsWith("/org/corpus"));
    }

    @Test
    void parquetIsRefusedNamingTheFileAndWhatToConvertItTo() {
        hub.repo("datasets", "org/parquet", COMMIT).add("data/train-00000.parquet", "PAR1");

        assertThatThrownBy(() -> fetch("hf://datasets/org/parquet"))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isTrue())
                .hasMessageContaining("data/train-00000.parquet").hasMessageContaining("convert it to .jsonl");
    }

    @Test
    void aRepositoryWithoutSafetensorsIsNotACheckpoint() {
        hub.repo("models", "org/bin", COMMIT).add("config.json", "{}").addLfs("pytorch_model.bin", shard2);

        assertThatThrownBy(() -> fetch("hf://org/bin")).hasMessageContaining("hf://org/bin")
                .hasMessageContaining("no *.safetensors weights");
    }

    @Test
    void anHttpFileIsCachedAndCheckedAgainstItsAnnouncedSize() throws Exception {
        hub.webFiles.put("corpus.jsonl", "{\"text\": \"web\"}\n".getBytes(StandardCharsets.UTF_8));
        hub.dropHalfway.add("/files/corpus.jsonl");
        String uri = hub.endpoint() + "/files/corpus.jsonl";

        FetchResult first = fetch(uri);
        FetchResult second = fetch(uri);

        assertThat(files(first.location())).containsExactly("corpus.jsonl");
        assertThat(Files.readString(first.location().resolve("corpus.jsonl"))).isEqualTo("{\"text\": \"web\"}\n");
        assertThat(hub.downloads()).extracting(HubImitation.Request::range).containsExactly(null, "bytes=8-");
        assertThat(second.downloaded()).isZero();
        assertThat(second.location()).isEqualTo(first.location());
    }

    @Test
    void localSourcesAreReadInPlace() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{}");

        assertThat(fetch("file://" + model).location()).isEqualTo(model);
        assertThat(fetch(model.toString()).files()).isEqualTo(1);
        assertThat(FetchSource.parse("pvc://models/llama/7b")).isEqualTo(
                new FetchSource.LocalFiles("pvc://models/llama/7b", Path.of("/mnt/pvc/models/llama/7b")));
        assertThatThrownBy(() -> fetch(dir.resolve("missing").toString()))
                .hasMessageContaining("missing: no such file or directory");
    }
}
