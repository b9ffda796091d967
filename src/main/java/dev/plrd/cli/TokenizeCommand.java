package dev.plrd.cli;

import dev.plrd.api.Counts;
import dev.plrd.api.StageOutputs;
import dev.plrd.data.DataException;
import dev.plrd.data.TextFile;
import dev.plrd.data.TextFormat;
import dev.plrd.data.TextTokenizer;
import dev.plrd.data.Tokenization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd tokenize --input corpus.jsonl --tokenizer models/tiny --to data/corpus"},
        description = "Tokenise text (.txt: one document per file; .jsonl: one per line) into uint16/uint32 shards and"
                + " dataset.json, documents joined by the end-of-sequence token.")
public class TokenizeCommand extends StageCommand {
    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "A .txt or .jsonl file (also .gz/.zst), or a directory of them at any depth (repeatable; read in the order given).")
    List<Path> inputs;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE|DIR",
            description = "tokenizer.json, or a model checkpoint directory that holds one.")
    Path tokenizer;

    @Option(names = "--to", required = true, paramLabel = "DIR", description = "The dataset directory to create.")
    Path to;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "auto|text|jsonl",
            description = "How to read inputs (default: ${DEFAULT-VALUE}, by extension).")
    String format;

    @Option(names = "--field", defaultValue = TextFile.DEFAULT_FIELD, paramLabel = "NAME",
            description = "The JSON field holding a jsonl document's text (default: ${DEFAULT-VALUE}).")
    String field;

    @Option(names = "--shard-tokens", defaultValue = "100M", paramLabel = "COUNT",
            description = "Tokens per shard file (default: ${DEFAULT-VALUE}).")
    String shardTokens;

    @Override
    StageOutputs run() throws Exception {
        long perShard = shardTokens();
        Optional<TextFormat> textFormat;
        try {
            textFormat = TextFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("--format " + e.getMessage(), e);
        }
        if (field.isEmpty()) {
            throw new InvalidInput("--field must name a JSON field");
        }
        refuseExisting();
        long started = System.nanoTime();
        try (TextTokenizer t = TextTokenizer.load(tokenizer)) {
            List<TextFile> files = TextFile.resolve(inputs, textFormat, field);
            System.err.printf(Locale.ROOT, "tokenize: %d file%s with %s (vocabulary %d, end of sequence %d) -> %s%n",
                    files.size(), files.size() == 1 ? "" : "s", t.file(), t.vocabularySize(), t.eosId(), to);
            Tokenization.Summary s = tokenise(files, t, perShard);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.err.printf(Locale.ROOT, "tokenize: %,d documents, %,d tokens (%s, %d shard%s) in %.1f s, %,.0f tokens/s%n",
                    s.documents(), s.tokens(), s.dtype(), s.shards(), s.shards() == 1 ? "" : "s", seconds,
                    s.tokens() / Math.max(seconds, 1e-9));
            StageOutputs out = new StageOutputs();
            out.uri = to.toAbsolutePath().toString();
            out.tokens = s.tokens();
            out.seconds = round(seconds, 1);
            return out;
        } catch (DataException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
    }

    /** Tokenises with a progress line per percent of input read; a failure removes what it created. */
    private Tokenization.Summary tokenise(List<TextFile> files, TextTokenizer t, long perShard)
            throws IOException, DataException {
        Progress progress = new Progress("tokenize");
        int[] shown = {-1};
        Path created = firstMissing(to.toAbsolutePath().getParent());
        Tokenization.Summary s;
        try {
            s = Tokenization.run(files, t, to, perShard, (read, total, tokens) -> {
                int percent = total == 0 ? 100 : (int) (read * 100 / total);
                if (percent != shown[0]) {
                    shown[0] = percent;
                    progress.step(percent, 100, String.format(Locale.ROOT, "%,d tokens", tokens));
                }
            });
        } catch (DataException | IOException | RuntimeException e) {
            removeEmpty(to.toAbsolutePath().getParent(), created, e);
            throw e;
        }
        if (shown[0] != 100) {
            progress.step(100, 100, String.format(Locale.ROOT, "%,d tokens", s.tokens()));
        }
        return s;
    }

    private long shardTokens() throws InvalidInput {
        try {
            long n = Counts.parse(shardTokens);
            if (n <= 0) {
                throw new InvalidInput("--shard-tokens " + shardTokens + ": must be at least 1");
            }
            return n;
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("--shard-tokens " + e.getMessage(), e);
        }
    }

    /** The outermost ancestor of dir, dir included, that does not exist yet; null when dir exists. */
    private static Path firstMissing(Path dir) {
        Path missing = null;
        for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }

    /** Removes the directories a failed run created above --to, from dir up to created, as long as they are empty. */
    private static void removeEmpty(Path dir, Path created, Exception failure) {
        if (created == null) {
            return;
        }
        for (Path p = dir; p != null && p.startsWith(created); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                failure.addSuppressed(e);
                return;
            }
        }
    }

    /** A dataset is written once: an earlier one under the same name is never mixed with or replaced. */
    private void refuseExisting() throws InvalidInput, IOException {
        if (Files.isDirectory(to)) {
            try (Stream<Path> entries = Files.list(to)) {
                if (entries.findAny().isPresent()) {
                    throw new InvalidInput("--to " + to + ": exists and is not empty");
                }
            }
        } else if (Files.exists(to)) {
            throw new InvalidInput("--to " + to + ": exists and is not a directory");
        }
    }
}
