package dev.plrd.transport.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.plrd.transport.Retry;
import dev.plrd.transport.TransportException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** s3:// fetches from s3rver on 127.0.0.1: what is downloaded in parallel chunks, verified, resumed, refused. */
class S3FetchTest {
    private static final Retry QUICK = new Retry(3, Duration.ofSeconds(30), Duration.ofMillis(5), Duration.ofMillis(20));
    /** Fetcher's chunk: a shard of more than one is fetched by parallel ranged GETs. */
    private static final int CHUNK = 32 << 20;
    private static final String WRONG_SECRET = "NotTheSecretS3rverAccepts0123456789";

    @TempDir
    Path dir;
    S3Server s3;
    byte[] shard1;
    byte[] shard2;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void startServer() throws Exception {
        assumeThat(S3Server.executable()).as(S3Server.missing()).isPresent();
        s3 = S3Server.start(dir, "models", "corpus");
        shard1 = FetcherTest.random(CHUNK + 5_000_000, 1);
        shard2 = FetcherTest.random(13_000_000, 2);
        s3.put("models", "llama/tiny/config.json", "{\"architectures\": [\"LlamaForCausalLM\"]}".getBytes(StandardCharsets.UTF_8));
        s3.put("models", "llama/tiny/tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8));
        s3.put("models", "llama/tiny/model-00001-of-00002.safetensors", shard1);
        s3.putInParts("models", "llama/tiny/model-00002-of-00002.safetensors", shard2, 5 << 20);
        s3.put("models", "llama/tiny/README.md", "# not fetched".getBytes(StandardCharsets.UTF_8));
        s3.put("models", "llama/tiny/pytorch_model.bin", FetcherTest.random(1000, 3));
        s3.put("models", "llama/tiny-instruct/config.json", "{}".getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        if (s3 != null) {
            s3.close();
        }
    }

    Fetcher fetcher(S3Endpoint endpoint) {
        return new Fetcher(dir.resolve("cache"), new HubEndpoint(URI.create("http://127.0.0.1:9"), null), () -> endpoint,
                false, QUICK,
                new TransferProgress(new PrintStream(log, true), false, 0, System::nanoTime), false);
    }

    FetchResult fetch(String uri) throws IOException {
        return fetcher(s3.fetchEndpoint()).fetch(FetchSource.parse(uri));
    }

    /** GET requests for an object's content (not listings), as the server logged them. */
    long gets(String bucket, String key) throws IOException {
        return s3.rangedGets(key.substring(key.lastIndexOf('/') + 1));
    }

    String etag(String bucket, String key) {
        try (S3Client client = s3.client()) {
            return S3Api.unquote(client.headObject(b -> b.bucket(bucket).key(key)).eTag());
        }
    }

    @Test
    void aCheckpointComesByteForByteInParallelChunksAndASecondFetchDownloadsNothing() throws Exception {
        FetchResult result = fetch("s3://models/llama/tiny");

        assertThat(FetcherTest.files(result.location())).containsExactly("config.json",
                "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "tokenizer.json");
        assertThat(Files.readAllBytes(result.location().resolve("model-00001-of-00002.safetensors"))).isEqualTo(shard1);
        assertThat(Files.readAllBytes(result.location().resolve("model-00002-of-00002.safetensors"))).isEqualTo(shard2);
        assertThat(result.downloaded()).isEqualTo(result.bytes()).isEqualTo(shard1.length + shard2.length + 41L);
        assertThat(result.location()).startsWith(dir.resolve("cache/s3/models/snapshots"));
        assertThat(gets("models", "llama/tiny/model-00001-of-00002.safetensors")).as("two ranged GETs").isEqualTo(2);

        FetchResult again = fetch("s3://models/llama/tiny/");
        assertThat(again.downloaded()).isZero();
        assertThat(again.location()).isEqualTo(result.location());
        assertThat(gets("models", "llama/tiny/model-00001-of-00002.safetensors")).isEqualTo(2);

        byte[] changed = FetcherTest.random(2_000_000, 9);
        s3.put("models", "llama/tiny/model-00002-of-00002.safetensors", changed);
        FetchResult third = fetch("s3://models/llama/tiny");
        assertThat(third.downloaded()).as("only the changed object").isEqualTo(changed.length);
        assertThat(Files.readAllBytes(third.location().resolve("model-00002-of-00002.safetensors"))).isEqualTo(changed);
        assertThat(Files.readAllBytes(result.location().resolve("model-00002-of-00002.safetensors")))
                .as("the earlier snapshot keeps its content").isEqualTo(shard2);
    }

    /** The state that a fetch killed after its first chunk leaves: that chunk in the partial file and the journal. */
    private Path killedAfterFirstChunk(String key, byte[] firstChunk) throws IOException {
        String etag = etag("models", key);
        long size = shard1.length;
        String blob = ContentDigest.sha256Of(key + "\0" + etag + "\0" + size);
        Path partial = Files.createDirectories(dir.resolve("cache/s3/models/blobs")).resolve(blob + ".partial");
        Files.write(partial, firstChunk);
        Files.writeString(partial.resolveSibling(blob + ".partial.chunks"), etag + " " + size + " " + CHUNK + "\n0\n");
        return partial;
    }

    @Test
    void aKilledFetchGoesOnWithTheChunksItLacked() throws Exception {
        String key = "llama/tiny/model-00001-of-00002.safetensors";
        Path partial = killedAfterFirstChunk(key, Arrays.copyOf(shard1, CHUNK));

        FetchResult result = fetch("s3://models/llama/tiny");

        assertThat(Files.readAllBytes(result.location().resolve("model-00001-of-00002.safetensors"))).isEqualTo(shard1);
        assertThat(gets("models", key)).as("only the second chunk").isEqualTo(1);
        assertThat(partial).doesNotExist();
        assertThat(partial.resolveSibling(partial.getFileName() + ".chunks")).doesNotExist();
    }

    @Test
    void aPartialFileLeftBehindIsVerifiedAndFetchedAgainWhenWrong() throws Exception {
        String key = "llama/tiny/model-00001-of-00002.safetensors";
        killedAfterFirstChunk(key, FetcherTest.random(CHUNK, 99));

        FetchResult result = fetch("s3://models/llama/tiny");

        assertThat(Files.readAllBytes(result.location().resolve("model-00001-of-00002.safetensors"))).isEqualTo(shard1);
        assertThat(gets("models", key)).as("the missing chunk, then both again").isEqualTo(3);
    }

    @Test
    void anObjectWhoseContentDoesNotMatchItsETagIsRejectedByName() throws Exception {
        String key = "llama/tiny/model-00001-of-00002.safetensors";
        byte[] tampered = shard1.clone();
        tampered[CHUNK + 7] ^= 1;
        Files.write(s3.objectFile("models", key), tampered);

        assertThatThrownBy(() -> fetch("s3://models/llama/tiny"))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isTrue())
                .hasMessageContaining("s3://models/" + key).hasMessageContaining("the ETag says " + etag("models", key));
        assertThat(dir.resolve("cache/s3/models/snapshots")).doesNotExist();
    }

    @Test
    void aMissingBucketOrPrefixIsAPermanentFailureNamingTheUriAndStatus() {
        assertThatThrownBy(() -> fetch("s3://no-such-bucket/llama"))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isTrue())
                .hasMessageStartingWith("s3://no-such-bucket/llama: HTTP 404").hasMessageContaining("NoSuchBucket");
        assertThatThrownBy(() -> fetch("s3://models/llama/none/"))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isTrue())
                .hasMessageStartingWith("s3://models/llama/none/: no objects under this prefix");
    }

    @Test
    void credentialsTheServerRefusesGiveAPermanent403ThatNeverShowsTheSecret() throws Exception {
        S3Endpoint unknownKey = s3.fetchEndpoint("AKIAUNKNOWNKEY", WRONG_SECRET);
        PrintStream err = System.err;
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        System.setErr(new PrintStream(errors, true));
        try {
            assertThatThrownBy(() -> fetcher(unknownKey).fetch(FetchSource.parse("s3://models/llama/tiny")))
                    .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isTrue())
                    .hasMessageStartingWith("s3://models/llama/tiny: HTTP 403")
                    .hasMessageContaining("InvalidAccessKeyId").hasMessageContaining("access denied")
                    .hasMessageNotContaining(WRONG_SECRET);
        } finally {
            System.setErr(err);
        }
        assertThat(errors.toString() + log).doesNotContain(WRONG_SECRET);
        assertThat(unknownKey.toString()).doesNotContain(WRONG_SECRET);
    }

    @Test
    void aPrefixWithoutConfigJsonGivesTheDatasetFilesOrThoseOfTheGlob() throws Exception {
        s3.put("corpus", "web/train/a.jsonl", "{\"text\": \"a\"}\n".getBytes(StandardCharsets.UTF_8));
        s3.put("corpus", "web/train/b.txt", "b".getBytes(StandardCharsets.UTF_8));
        s3.put("corpus", "web/valid/c.jsonl", "{\"text\": \"c\"}\n".getBytes(StandardCharsets.UTF_8));
        s3.put("corpus", "web/notes.csv", "x".getBytes(StandardCharsets.UTF_8));

        assertThat(FetcherTest.files(fetch("s3://corpus/web").location()))
                .containsExactly("train/a.jsonl", "train/b.txt", "valid/c.jsonl");
        assertThat(FetcherTest.files(fetch("s3://corpus/web#valid/*").location())).containsExactly("valid/c.jsonl");
        assertThat(FetcherTest.files(fetch("s3://corpus/web/valid/c.jsonl").location())).containsExactly("c.jsonl");
    }
}
