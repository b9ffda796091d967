package dev.plrd.model;

import static dev.plrd.model.HandWrittenSafetensors.entry;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file past 2 GiB, where a single mapping and int positions stop working, without gigabytes of disk: the file is
 * sparse, only the header and the few bytes of its tensors are written.
 */
class LargeFileTest {
    private static final long TWO_GIB = 1L << 31;
    private static final long FAR = 2_300_000_000L;

    @TempDir
    Path dir;

    private static String header(long acrossBegin) {
        return "{" + entry("first", "F32", "[2]", 0, 8) + ","
                + entry("across", "F32", "[4]", acrossBegin, acrossBegin + 16) + ","
                + entry("far", "BF16", "[3]", FAR, FAR + 6) + "}";
    }

    @Test
    void readsTensorsBeyondAndAcrossTheTwoGibMark() throws IOException {
        // any 10-digit offset gives the header its final length, which fixes where the data section starts
        long dataStart = HandWrittenSafetensors.prefix(header(1_000_000_000L)).length;
        long acrossBegin = TWO_GIB - 6 - dataStart; // the tensor starts 6 bytes before the mark and ends 10 after
        byte[] prefix = HandWrittenSafetensors.prefix(header(acrossBegin));
        assertThat((long) prefix.length).isEqualTo(dataStart);

        Path file = dir.resolve("big.safetensors");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(prefix), 0);
            channel.write(ByteBuffer.wrap(HandWrittenSafetensors.f32(1f, 2f)), dataStart);
            channel.write(ByteBuffer.wrap(HandWrittenSafetensors.f32(-1f, 0.5f, 3e38f, -7f)), dataStart + acrossBegin);
            channel.write(ByteBuffer.wrap(HandWrittenSafetensors.halves(0x3f80, 0xc020, 0x4049)), dataStart + FAR);
        }
        assertThat(Files.size(file)).isEqualTo(dataStart + FAR + 6);

        try (SafetensorsReader reader = SafetensorsReader.open(file);
                SafetensorsReader smallMappings = SafetensorsReader.open(file, 4)) {
            assertThat(reader.tensors()).extracting(TensorInfo::name).containsExactly("first", "across", "far");
            assertThat(reader.read("first").data()).containsExactly(1f, 2f);
            assertThat(reader.read("across").data()).containsExactly(-1f, 0.5f, 3e38f, -7f);
            assertThat(smallMappings.read("across").data()).containsExactly(-1f, 0.5f, 3e38f, -7f);
            assertThat(reader.read("far").data()).containsExactly(1f, -2.5f, 3.140625f);
        }
    }
}
