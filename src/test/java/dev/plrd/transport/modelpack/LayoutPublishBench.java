package dev.plrd.transport.modelpack;

import dev.plrd.cli.Main;
import dev.plrd.testing.JavaProcess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make bench}: `plrd publish` and `plrd pull` of a 1 GiB checkpoint (four shards) through an OCI
 * image layout, each as its own process (as in a stage pod), against `sha256sum` and `cat` plus `sync` of the same
 * files: the ceilings of hashing and of a durable local copy. Publishing reads every byte twice (hashing, then the verified copy), pulling once.
 */
@Tag("bench")
class LayoutPublishBench {
    private static final int MIB = 1 << 20;
    private static final int SHARDS = 4;
    private static final int SHARD_MIB = 256;

    @TempDir
    Path dir;

    @Test
    void publishAndPullAGigabyteCheckpoint() throws Exception {
        Path member = TinyCheckpoint.write(dir.resolve("m1"));
        for (int s = 0; s < SHARDS; s++) {
            writeRandom(member.resolve(String.format(Locale.ROOT, "extra-%05d-of-%05d.safetensors", s + 1, SHARDS)));
        }
        Path evaluation = Files.writeString(dir.resolve("evaluate.json"), "{\"perplexity\": 9.5}");
        String reference = "oci-layout://" + dir.resolve("layout") + ":m1";
        double mib = SHARDS * SHARD_MIB;
        System.out.printf(Locale.ROOT, "%n== make bench: ModelPack publish and pull, %d x %d MiB, oci-layout (%d cores) ==%n",
                SHARDS, SHARD_MIB, Runtime.getRuntime().availableProcessors());

        // the ceilings run before and after ours: the page cache and the other work on the machine shift the figures
        ceilings(member, "before");
        report("plrd publish", plrd("publish", "publish", "--model", member, "--to", reference, "--evaluation",
                evaluation, "--parent-uri", "hf://org/base"), mib);
        System.out.printf(Locale.ROOT, "  %-28s %8.2f s%n", "plrd publish again (no-op)", plrd("again", "publish",
                "--model", member, "--to", reference, "--evaluation", evaluation, "--parent-uri", "hf://org/base"));
        report("plrd pull", plrd("pull", "pull", reference, "--to", dir.resolve("pulled")), mib);
        ceilings(member, "after");
        System.out.println();
    }

    /** sha256sum, and a copy with cat (not cp: cp may share extents and copy no data) made durable like our blobs. */
    private void ceilings(Path member, String when) throws Exception {
        double mib = SHARDS * SHARD_MIB;
        Path copy = Files.createDirectories(dir.resolve("copy-" + when));
        report("sha256sum, " + when, time(new ProcessBuilder("sh", "-c", "sha256sum \"$0\"/* > /dev/null",
                member.toString())), mib);
        report("cat > copy && sync, " + when, time(new ProcessBuilder("sh", "-c",
                "for f in \"$0\"/*; do cat \"$f\" > \"$1/${f##*/}\"; done && sync \"$1\"/*", member.toString(),
                copy.toString())), mib);
    }

    private double plrd(String name, Object... args) throws Exception {
        Path log = dir.resolve(name + ".log");
        long start = System.nanoTime();
        int code = JavaProcess.start(Main.class, log, args).waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (code != 0) {
            throw new AssertionError(name + " exited " + code + ": " + Files.readString(log));
        }
        return seconds;
    }

    private static double time(ProcessBuilder command) throws Exception {
        long start = System.nanoTime();
        if (command.inheritIO().start().waitFor() != 0) {
            throw new AssertionError(command.command() + " failed");
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static void report(String what, double seconds, double mib) {
        System.out.printf(Locale.ROOT, "  %-28s %8.2f s %8.1f MB/s%n", what, seconds, mib * MIB / 1e6 / seconds);
    }

    private static void writeRandom(Path file) throws IOException {
        byte[] chunk = new byte[MIB];
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < SHARD_MIB; i++) {
                ThreadLocalRandom.current().nextBytes(chunk);
                ByteBuffer buffer = ByteBuffer.wrap(chunk);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
        }
    }
}
