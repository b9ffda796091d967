package dev.plrd.transport.fetch;

import dev.plrd.transport.Retry;
import java.io.OutputStream;
import java.io.PrintStream;
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
 * {@code make bench}: a 1 GiB checkpoint in four shards fetched from the imitation of the Hub on
 * 127.0.0.1 (redirects to its CDN, ranged downloads, sha256 verified), against {@code curl}
 * downloading the same files from the same server to disk: the ceiling of the transport. Then the
 * time of a second fetch, which finds everything in the cache.
 */
@Tag("bench")
class HubFetchBench {
    private static final int SHARDS = 4;
    private static final int SHARD_BYTES = 256 << 20;
    private static final String COMMIT = "fedcba9876543210fedcba9876543210fedcba98";

    @TempDir
    Path dir;

    @Test
    void fetchOneGibibyteAgainstCurl() throws Exception {
        Path source = Files.createDirectories(dir.resolve("source"));
        try (HubImitation hub = new HubImitation()) {
            HubImitation.Repo repo = hub.repo("models", "bench/one-gib", COMMIT).add("config.json", "{}");
            List<String> shards = new ArrayList<>();
            Random random = new Random(1);
            byte[] block = new byte[1 << 20];
            for (int i = 1; i <= SHARDS; i++) {
                String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i, SHARDS);
                Path file = source.resolve(name);
                try (OutputStream out = Files.newOutputStream(file)) {
                    for (int mb = 0; mb < SHARD_BYTES >> 20; mb++) {
                        random.nextBytes(block);
                        out.write(block);
                    }
                }
                repo.addLfs(name, file);
                HubImitation.sha256(new HubImitation.RepoFile(null, file, true));
                shards.add(name);
            }
            long bytes = (long) SHARDS * SHARD_BYTES;
            Fetcher fetcher = new Fetcher(dir.resolve("cache"), new HubEndpoint(hub.endpoint(), null),
                    Retry.DEFAULT, new TransferProgress(new PrintStream(OutputStream.nullOutputStream()), false,
                            Long.MAX_VALUE, System::nanoTime), false);

            long t0 = System.nanoTime();
            FetchResult cold = fetcher.fetch(FetchSource.parse("hf://bench/one-gib"));
            double ours = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            FetchResult warm = fetcher.fetch(FetchSource.parse("hf://bench/one-gib"));
            double noop = (System.nanoTime() - t1) / 1e9;

            Path curlDir = Files.createDirectories(dir.resolve("curl"));
            List<String> curl = new ArrayList<>(List.of("curl", "-sSfL"));
            for (String name : shards) {
                curl.addAll(List.of("-o", curlDir.resolve(name).toString(),
                        hub.endpoint() + "/bench/one-gib/resolve/" + COMMIT + "/" + name));
            }
            long t2 = System.nanoTime();
            int code = new ProcessBuilder(curl).inheritIO().start().waitFor();
            double curlSeconds = (System.nanoTime() - t2) / 1e9;

            System.out.printf(Locale.ROOT, "%n== make bench: fetch of a %d MiB checkpoint (%d shards) from the Hub"
                    + " imitation on 127.0.0.1, %d cores ==%n", bytes >> 20, SHARDS,
                    Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "plrd fetch (download, sha256 verify, snapshot): %.1f s, %.0f MB/s (%d bytes"
                    + " downloaded)%n", ours, bytes / ours / 1e6, cold.downloaded());
            System.out.printf(Locale.ROOT, "curl -L to files (no verification):            %.1f s, %.0f MB/s%s%n",
                    curlSeconds, bytes / curlSeconds / 1e6, code == 0 ? "" : " (curl exit " + code + ")");
            System.out.printf(Locale.ROOT, "second fetch (everything cached):              %.3f s, %d bytes downloaded%n%n",
                    noop, warm.downloaded());
        }
    }
}
