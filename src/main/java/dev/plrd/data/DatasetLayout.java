package dev.plrd.data;

import dev.plrd.model.RegularFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a dataset location holds, judged by its names: a dataset.json directory, bare .bin files, or text (plain or
 * compressed). A directory's files are found in its subdirectories too (see {@link DatasetFiles}); other files, such
 * as a repository's README.md, .gitattributes, LICENSE or loading script, are left out.
 */
sealed interface DatasetLayout {
    String BIN = ".bin";

    /** A directory written by plrd tokenize (or a text cache entry). */
    record Manifest(Path directory) implements DatasetLayout {
    }

    /** Token files with no dataset.json, in path order. */
    record Bare(List<Path> files) implements DatasetLayout {
    }

    /** .txt and .jsonl files, plain or compressed, in path order, to be tokenised. */
    record Text(List<TextFile> files) implements DatasetLayout {
    }

    static DatasetLayout of(Path path, String location) throws IOException, DataException {
        if (!Files.exists(path)) {
            throw new DataException(location + ": no such file or directory");
        }
        Optional<String> notAFile = Files.isDirectory(path) ? Optional.empty() : RegularFile.problem(path);
        if (notAFile.isPresent()) {
            throw new DataException(location + ": " + notAFile.get());
        }
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve(DatasetManifest.FILE_NAME))) {
            return new Manifest(path);
        }
        if (path.getFileName().toString().equals(DatasetManifest.FILE_NAME)) {
            return new Manifest(path.toAbsolutePath().getParent());
        }
        List<Path> files = Files.isDirectory(path) ? DatasetFiles.under(path) : List.of(path);
        for (Path file : files) {
            refuseUnreadable(file);
        }
        List<Path> bins = files.stream().filter(DatasetLayout::isBin).toList();
        List<TextFile> texts = files.stream()
                .flatMap(f -> TextFormat.ofFile(f).map(format -> new TextFile(f, format, TextFile.DEFAULT_FIELD)).stream()).toList();
        if (!bins.isEmpty() && !texts.isEmpty()) {
            throw new DataException(location + ": mixes token files (.bin) with text files (.txt, .jsonl); keep them in"
                    + " separate directories");
        }
        if (!bins.isEmpty()) {
            return new Bare(bins);
        }
        if (!texts.isEmpty()) {
            return new Text(texts);
        }
        throw new DataException(Files.isDirectory(path)
                ? location + ": no dataset.json, .bin, .txt or .jsonl files (text also as .gz or .zst) in this directory"
                        + " or below" + leftOut(path, files)
                : location + ": not a dataset file: expected .bin, .txt, .jsonl (text also as .gz or .zst) or"
                        + " dataset.json");
    }

    /** Data in a form that cannot be read is refused rather than left out, so that no part of a corpus is lost unseen. */
    private static void refuseUnreadable(Path file) throws DataException {
        if (DatasetFileKinds.isParquet(file)) {
            throw DatasetFiles.parquet(file);
        }
        if (Compression.of(file) != Compression.NONE && Compression.uncompressedName(file).endsWith(BIN)) {
            throw new DataException(file + ": token files are memory-mapped, so they cannot be read compressed;"
                    + " decompress it (" + Compression.of(file).label() + " -d)");
        }
        if (file.getFileName().toString().equals(DatasetManifest.FILE_NAME)) {
            throw new DataException(file + ": a tokenised dataset in a subdirectory; give that directory as the dataset"
                    + " (its .bin shards are described by this dataset.json, they are not bare token files)");
        }
    }

    /** Some of the files that are not data, so that a wrong directory is recognised at once. */
    private static String leftOut(Path dir, List<Path> files) {
        if (files.isEmpty()) {
            return "";
        }
        List<String> names = files.stream().limit(3).map(f -> dir.relativize(f).toString()).toList();
        return " (left out " + (files.size() > names.size() ? files.size() + " files, such as " : "") + String.join(", ",
                names) + ")";
    }

    private static boolean isBin(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(BIN);
    }

    /** A path from a path or file:// URI; other schemes are fetched by the stage that downloads, not here. */
    static Path localPath(String location) throws DataException {
        if (location.startsWith("file://")) {
            return Path.of(location.substring("file://".length()));
        }
        if (location.matches("^[a-z][a-z0-9+.-]*://.*")) {
            throw new DataException(location + ": only local datasets (a path or file://) can be read");
        }
        return Path.of(location);
    }
}
