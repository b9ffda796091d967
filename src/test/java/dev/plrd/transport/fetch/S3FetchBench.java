package dev.plrd.transport.fetch;

import static org.assertj.core.api.Assumptions.assumeThat;

import dev.plrd.transport.Retry;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make bench}: a 1 GiB checkpoint in four shards fetched from s3rver on 127.0.0.1 (parallel ranged GETs,
 * MD5 checked against each ETag, snapshot), against {@code curl} downloading the same objects to disk one after
 * the other: the ceiling of the server. Then the time of a second fetch, which lists the prefix and finds every
 * object in the cache.
 */
@Tag("bench")
class S3FetchBench {
    private static final int SHARDS = 4;
    private static final int SHARD_BYTES = 256 << 20;

    @TempDir
    Path dir;

    @Test
    void fetchOneGibibyteAgainstCurl() throws Exception {
        assumeThat(S3Server.executable()).as(S3Server.missing()).isPresent();
        try (S3Server s3 = S3Server.start(dir, "bench")) {
            Path source = Files.createDirectories(dir.resolve("source"));
            List<String> keys = new ArrayList<>();
            Random random = new Random(1);
            byte[] block = new byte[1 << 20];
            s3.put("bench", "one-gib/config.json", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (int i = 1; i <= SHARDS; i++) {
                String key = String.format(Locale.ROOT, "one-gib/model-%05d-of-%05d.safetensors", i, SHARDS);
                Path file = source.resolve(key.substring(key.indexOf('/') + 1));
                try (OutputStream out = Files.newOutputStream(file)) {
                    for (int mb = 0; mb < SHARD_BYTES >> 20; mb++) {
                        random.nextBytes(block);
                        out.write(block);
                    }
                }
                s3.put("bench", key, file);
                Files.delete(file);
                keys.add(key);
            }
            long bytes = (long) SHARDS * SHARD_BYTES;
            Fetcher fetcher = new Fetcher(dir.resolve("cache"), new HubEndpoint(URI.create("http://127.0.0.1:9"), null),
                    s3::fetchEndpoint, false, Retry.DEFAULT, new TransferProgress(
                            new PrintStream(OutputStream.nullOutputStream()), false, Long.MAX_VALUE, System::nanoTime),
                    false);

            long t0 = System.nanoTime();
            FetchResult cold = fetcher.fetch(FetchSource.parse("s3://bench/one-gib"));
            double ours = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            FetchResult warm = fetcher.fetch(FetchSource.parse("s3://bench/one-gib"));
            double noop = (System.nanoTime() - t1) / 1e9;

            Path curlDir = Files.createDirectories(dir.resolve("curl"));
            List<String> curl = new ArrayList<>(List.of("curl", "-sSf"));
            for (String key : keys) {
                curl.addAll(List.of("-o", curlDir.resolve(key.substring(key.indexOf('/') + 1)).toString(),
                        s3.endpoint() + "/bench/" + key));
            }
            long t2 = System.nanoTime();
            int code = new ProcessBuilder(curl).inheritIO().start().waitFor();
            double curlSeconds = (System.nanoTime() - t2) / 1e9;

            System.out.printf(Locale.ROOT, "%n== make bench: fetch of a %d MiB checkpoint (%d shards) from s3rver on"
                    + " 127.0.0.1, %d cores ==%n", bytes >> 20, SHARDS, Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "plrd fetch s3:// (8 ranged GETs at once, MD5 = ETag check, snapshot): %.1f s,"
                    + " %.0f MB/s (%d bytes downloaded)%n", ours, bytes / ours / 1e6, cold.downloaded());
            System.out.printf(Locale.ROOT, "curl to files, one object after another (no verification):     %.1f s,"
                    + " %.0f MB/s%s%n", curlSeconds, bytes / curlSeconds / 1e6, code == 0 ? "" : " (curl exit " + code + ")");
            System.out.printf(Locale.ROOT, "second fetch (listing only, everything cached):                 %.3f s, %d"
                    + " bytes downloaded%n%n", noop, warm.downloaded());
        }
    }
}
