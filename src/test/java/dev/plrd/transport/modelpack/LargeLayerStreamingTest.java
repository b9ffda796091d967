package dev.plrd.transport.modelpack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.cli.Main;
import dev.plrd.testing.JavaProcess;
import dev.plrd.transport.Sha256;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard larger than the heap is published and pulled by workers whose heap is half its size: every
 * blob is streamed from and to disk, never held whole (a worker that did would die of OutOfMemoryError).
 */
class LargeLayerStreamingTest {
    private static final int MIB = 1 << 20;
    private static final int SHARD_MIB = 100;
    private static final List<String> SMALL_HEAP = List.of("-Xmx48m");

    @TempDir
    Path dir;

    @Test
    void aHundredMegabyteShardGoesThroughAFortyEightMegabyteHeap() throws Exception {
        Path member = TinyCheckpoint.write(dir.resolve("m1"));
        Path shard = member.resolve("model-extra.safetensors");
        try (FileChannel out = FileChannel.open(shard, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocate(MIB);
            for (int i = 0; i < SHARD_MIB; i++) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    chunk.put((byte) (i * 31 + chunk.position()));
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }
        }
        Path evaluation = Files.writeString(dir.resolve("evaluate.json"), "{\"perplexity\": 9.5}");
        String reference = "oci-layout://" + dir.resolve("layout") + ":m1";

        JavaProcess publish = JavaProcess.start(SMALL_HEAP, Main.class, dir.resolve("publish.log"), "publish",
                "--model", member, "--to", reference, "--evaluation", evaluation, "--parent-uri", "hf://org/base");
        assertThat(publish.waitFor()).as(Files.readString(dir.resolve("publish.log"))).isZero();

        Path pulled = dir.resolve("pulled");
        JavaProcess pull = JavaProcess.start(SMALL_HEAP, Main.class, dir.resolve("pull.log"), "pull", reference,
                "--to", pulled);
        assertThat(pull.waitFor()).as(Files.readString(dir.resolve("pull.log"))).isZero();

        assertThat(Files.size(pulled.resolve("model-extra.safetensors"))).isEqualTo((long) SHARD_MIB * MIB);
        assertThat(Sha256.of(pulled.resolve("model-extra.safetensors"))).isEqualTo(Sha256.of(shard));
    }
}
