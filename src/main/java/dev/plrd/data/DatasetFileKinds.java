package dev.plrd.data;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Which files are dataset files, as the stages read them, so that a fetch takes exactly those from a repository or
 * a prefix: {@code dataset.json} with its token shards, bare {@code .bin} token files, and {@code .txt} and
 * {@code .jsonl} text, also compressed ({@code .gz}, {@code .zst}). Parquet is refused by both, with one advice.
 */
public final class DatasetFileKinds {
    /** The description of a pre-tokenised dataset directory. */
    public static final String MANIFEST = DatasetManifest.FILE_NAME;
    /** The kinds, for messages. */
    public static final String DESCRIPTION = DatasetManifest.FILE_NAME + ", .bin token files, .txt and .jsonl text"
            + " (also .gz or .zst)";
    private static final String PARQUET = ".parquet";

    private DatasetFileKinds() {
    }

    public static boolean isDataFile(Path file) {
        String name = file.getFileName().toString();
        return name.equals(DatasetManifest.FILE_NAME) || name.toLowerCase(Locale.ROOT).endsWith(DatasetLayout.BIN)
                || TextFormat.ofFile(file).isPresent();
    }

    public static boolean isParquet(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(PARQUET);
    }

    /** Why a Parquet file is refused, and how to convert it. */
    public static String parquetAdvice(Path file) {
        String name = file.getFileName().toString();
        String jsonl = name.substring(0, name.length() - PARQUET.length()) + ".jsonl";
        return file + ": is Parquet, which plrd does not read (the Java Parquet readers need Hadoop);"
                + " convert it to .jsonl or .jsonl.zst, one JSON object with a \"text\" field per line, for example with"
                + " python -c \"import pandas; pandas.read_parquet('" + name + "').to_json('" + jsonl
                + "', orient='records', lines=True, force_ascii=False)\" in its directory, or datasets'"
                + " Dataset.from_parquet(...).to_json(...)";
    }
}
