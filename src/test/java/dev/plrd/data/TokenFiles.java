package dev.plrd.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.LongStream;

/** Token files written the plain way, independently of the code under test: little-endian, no header. */
final class TokenFiles {
    private TokenFiles() {
    }

    static Path uint16(Path file, long... ids) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(ids.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (long id : ids) {
            b.putShort((short) id);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, b.array());
    }

    static Path uint32(Path file, long... ids) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(ids.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (long id : ids) {
            b.putInt((int) id);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, b.array());
    }

    /** from, from + 1, ... : a stream whose ids say where they are. */
    static long[] range(long from, int count) {
        return LongStream.range(from, from + count).toArray();
    }

    /** Ids that cycle below a vocabulary, for data whose content does not matter. */
    static long[] cycling(int count, int vocab) {
        return LongStream.range(0, count).map(i -> (i * 7 + 3) % vocab).toArray();
    }

    static void manifest(Path dir, String json) throws IOException {
        Files.writeString(dir.resolve("dataset.json"), json);
    }
}
