package dev.plrd.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** One input file of a text dataset and how to read it; {@code field} is the JSON field of a jsonl document's text. */
public record TextFile(Path path, TextFormat format, String field) {
    /** Where the text of a jsonl document is, unless told otherwise: the field most corpora use. */
    public static final String DEFAULT_FIELD = "text";

    /**
     * The files of inputs, in the order given; a directory contributes its files of the format's extension
     * (.txt and .jsonl under auto), sorted by name, hidden ones left out. A file named directly is read in the
     * format given, or under auto by its extension.
     *
     * @param format empty for auto
     */
    public static List<TextFile> resolve(List<Path> inputs, Optional<TextFormat> format, String field)
            throws IOException, DataException {
        List<TextFile> files = new ArrayList<>();
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                List<TextFile> found = directory(input, format, field);
                if (found.isEmpty()) {
                    throw new DataException(input + ": no " + format.map(TextFormat::extension).orElse(".txt or .jsonl")
                            + " files in this directory");
                }
                files.addAll(found);
            } else if (Files.isRegularFile(input)) {
                TextFormat f = format.or(() -> TextFormat.ofFile(input)).orElseThrow(() -> new DataException(input
                        + ": cannot tell its format from the name: expected .txt or .jsonl, or give the format"));
                files.add(new TextFile(input, f, field));
            } else {
                throw new DataException(input + ": no such file or directory");
            }
        }
        return files;
    }

    private static List<TextFile> directory(Path dir, Optional<TextFormat> format, String field) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> !p.getFileName().toString().startsWith(".") && Files.isRegularFile(p))
                    .sorted()
                    .flatMap(p -> TextFormat.ofFile(p).filter(f -> format.isEmpty() || format.get() == f)
                            .map(f -> new TextFile(p, f, field)).stream())
                    .toList();
        }
    }
}
