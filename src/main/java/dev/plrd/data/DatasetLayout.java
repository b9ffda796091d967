package dev.plrd.data;

import dev.plrd.model.RegularFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/** What a dataset location holds, judged by its names: a dataset.json directory, bare .bin files, or text. */
sealed interface DatasetLayout {
    String BIN = ".bin";

    /** A directory written by plrd tokenize (or a text cache entry). */
    record Manifest(Path directory) implements DatasetLayout {
    }

    /** Token files with no dataset.json, in name order. */
    record Bare(List<Path> files) implements DatasetLayout {
    }

    /** .txt and .jsonl files, in name order, to be tokenised. */
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
        List<Path> files = Files.isDirectory(path) ? list(path) : List.of(path);
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
                ? location + ": no dataset.json, .bin, .txt or .jsonl files in this directory"
                : location + ": not a dataset file: expected .bin, .txt, .jsonl or dataset.json");
    }

    private static boolean isBin(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(BIN);
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> !p.getFileName().toString().startsWith(".") && Files.isRegularFile(p)).sorted().toList();
        }
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
