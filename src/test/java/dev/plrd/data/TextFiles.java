package dev.plrd.data;

import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Text files as a dataset repository holds them: plain, or compressed as the name's .gz or .zst says. */
final class TextFiles {
    private TextFiles() {
    }

    /** Writes text to file, compressed when its name ends in .gz or .zst, creating the directories above it. */
    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, compress(Compression.of(file), text));
    }

    /** One gzip member or one zstd frame holding text. */
    static byte[] compress(Compression compression, String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = switch (compression) {
            case NONE -> bytes;
            case GZIP -> new GZIPOutputStream(bytes);
            case ZSTD -> new ZstdOutputStream(bytes);
        }) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    /** A jsonl line holding text under "text", escaped by hand so that the reader's JSON parser is not also the writer. */
    static String jsonl(String text) {
        StringBuilder line = new StringBuilder("{\"text\": \"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\t' -> line.append("\\t");
                default -> line.append(c);
            }
        }
        return line.append("\"}\n").toString();
    }
}
