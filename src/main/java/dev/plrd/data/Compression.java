package dev.plrd.data;

import io.airlift.compress.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * How a text file is stored, told by the last extension of its name: as it is, gzip ({@code .gz}) or zstd
 * ({@code .zst}). Compressed files are decoded as they are read, never whole in memory; a file of several
 * concatenated gzip members or zstd frames is read as their concatenation, as gzip and zstd do.
 */
enum Compression {
    NONE("", "plain"), GZIP(".gz", "gzip"), ZSTD(".zst", "zstd");

    private static final int BUFFER_BYTES = 1 << 16;

    private final String suffix;
    private final String label;

    Compression(String suffix, String label) {
        this.suffix = suffix;
        this.label = label;
    }

    /** The extension that marks it, with its dot; empty for {@link #NONE}. */
    String suffix() {
        return suffix;
    }

    /** gzip, zstd or plain: for messages. */
    String label() {
        return label;
    }

    static Compression of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (Compression c : values()) {
            if (c != NONE && name.endsWith(c.suffix)) {
                return c;
            }
        }
        return NONE;
    }

    /** The file's name, lower case, without its compression suffix: what tells the format of what it holds. */
    static String uncompressedName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.substring(0, name.length() - of(file).suffix.length());
    }

    /**
     * The bytes of raw, decoded. A stream that does not start as this format fails here or on its first read;
     * the caller tells decoding failures from failures of raw itself (see {@link DecodedInput}).
     */
    InputStream decoding(InputStream raw) throws IOException {
        return switch (this) {
            case NONE -> raw;
            case GZIP -> new GZIPInputStream(raw, BUFFER_BYTES);
            case ZSTD -> new ZstdInputStream(new BufferedInputStream(raw, BUFFER_BYTES));
        };
    }
}
