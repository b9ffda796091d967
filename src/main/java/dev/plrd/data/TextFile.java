package dev.plrd.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One input file of a text dataset and how to read it; {@code field} is the JSON field of a jsonl document's text. */
public record TextFile(Path path, TextFormat format, String field) {
    /** Where the text of a jsonl document is, unless told otherwise: the field most corpora use. */
    public static final String DEFAULT_FIELD = "text";

    /**
     * The files of inputs, in the order given; a directory contributes its files of the format's extension
     * (.txt and .jsonl under auto), plain or compressed, in its subdirectories too, in path order, hidden ones left
     * out (see {@link DatasetFiles}); a Parquet file among them is refused. A file named directly is read in the
     * format given, or under auto by its extension; a .gz or .zst one is decoded either way.
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
                            + " files (plain, .gz or .zst) in this directory or below");
                }
                files.addAll(found);
            } else if (Files.isRegularFile(input)) {
                if (DatasetFileKinds.isParquet(input)) {
                    throw DatasetFiles.parquet(input);
                }
                TextFormat f = format.or(() -> TextFormat.ofFile(input)).orElseThrow(() -> new DataException(input
                        + ": cannot tell its format from the name: expected .txt or .jsonl (plain, .gz or .zst), or give"
                        + " the format"));
                files.add(new TextFile(input, f, field));
            } else {
                throw new DataException(input + ": no such file or directory");
            }
        }
        return files;
    }

    private static List<TextFile> directory(Path dir, Optional<TextFormat> format, String field)
            throws IOException, DataException {
        List<TextFile> found = new ArrayList<>();
        for (Path p : DatasetFiles.under(dir)) {
            if (DatasetFileKinds.isParquet(p)) {
                throw DatasetFiles.parquet(p);
            }
            TextFormat.ofFile(p).filter(f -> format.isEmpty() || format.get() == f)
                    .ifPresent(f -> found.add(new TextFile(p, f, field)));
        }
        return found;
    }
}
