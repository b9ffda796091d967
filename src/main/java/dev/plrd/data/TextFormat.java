package dev.plrd.data;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How a text file holds documents: the whole file is one ({@code .txt}), or one JSON object per line ({@code .jsonl}).
 * Either may be compressed with gzip or zstd: {@code .jsonl.gz}, {@code .txt.zst} and so on.
 */
public enum TextFormat {
    TEXT(".txt"), JSONL(".jsonl");

    private final String extension;

    TextFormat(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    /** The format a file's extension names, if any, under a compression suffix if there is one. */
    public static Optional<TextFormat> ofFile(Path file) {
        String name = Compression.uncompressedName(file);
        for (TextFormat f : values()) {
            if (name.endsWith(f.extension)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** {@code text} or {@code jsonl}; {@code auto} (by extension) is an empty result. */
    public static Optional<TextFormat> parse(String cli) {
        return switch (cli) {
            case "auto" -> Optional.empty();
            case "text" -> Optional.of(TEXT);
            case "jsonl" -> Optional.of(JSONL);
            default -> throw new IllegalArgumentException("unknown format '" + cli + "': expected auto, text or jsonl");
        };
    }
}
