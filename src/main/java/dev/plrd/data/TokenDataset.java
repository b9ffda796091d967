package dev.plrd.data;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A training or evaluation dataset: one stream of token ids, packed into windows and split into a training part
 * and a held-out tail.
 *
 * <h2>Pre-tokenised data</h2>
 * Token files are flat arrays of little-endian unsigned integers, uint16 or uint32, with no header (the
 * {@code .bin} files of nanoGPT and Megatron). A directory written by {@code plrd tokenize} holds them as
 * {@code shard-00000.bin}, {@code shard-00001.bin}, ... beside a {@code dataset.json}:
 * <pre>
 * {"format": "plrd-tokens/v1", "dtype": "uint16", "vocabSize": 512, "tokens": 1234567, "eosId": 1,
 *  "shards": [{"file": "shard-00000.bin", "tokens": 1234567}], "maxTokenId": 511}
 * </pre>
 * {@code format}, {@code dtype}, {@code vocabSize}, {@code tokens} and {@code shards} (in stream order) are
 * required; {@code eosId} and {@code maxTokenId} may be left out by other writers, which costs a scan of every id
 * on open. Bare {@code .bin} files, a file or a directory of them in path order, are read as uint16 when the
 * model's vocabulary has at most 65,536 ids and as uint32 otherwise; a dataset.json's dtype wins over that rule.
 * Files are memory-mapped in pieces, so they may exceed 2 GiB, and cannot be compressed.
 *
 * <h2>Text</h2>
 * A {@code .txt} file (one document), a {@code .jsonl} file (one JSON object per line, the document under
 * {@code "text"}), or a directory of them. Either may be compressed, gzip ({@code .jsonl.gz}, {@code .txt.gz}) or zstd
 * ({@code .jsonl.zst}, {@code .txt.zst}), and is then decoded as it is read, never whole in memory; concatenated gzip
 * members or zstd frames are read as one file, and a truncated or corrupt file is refused naming it.
 *
 * <h2>Directories</h2>
 * A directory without a dataset.json at its top is read as a Hub or S3 snapshot keeps a repository: its data files
 * ({@code .bin}, or text as above) are found in subdirectories too, in the order of their paths relative to it,
 * compared name by name ({@code data/train-00000-of-00002.jsonl.zst}, then {@code data/train-00001-of-00002.jsonl.zst},
 * then {@code data-extra/...}). Hidden files and directories ({@code .gitattributes}, {@code .cache}) and files that
 * are not data ({@code README.md}, {@code LICENSE}, {@code *.py}, other {@code *.json}) are left out; at least one data
 * file must remain. Refused, because part of the data would otherwise be skipped unseen: {@code .bin} files together
 * with text, Parquet files (the message says how to convert them to .jsonl), compressed {@code .bin} files, and a
 * dataset.json in a subdirectory (open that directory instead).
 *
 * <h2>Tokenising text</h2>
 * Text is tokenised with the model's {@code tokenizer.json}, with no special tokens added and every document followed
 * by the end-of-sequence id, into a cache entry in the plrd-tokens/v1 format keyed by a hash of the inputs' bytes as
 * stored (a compressed file's compressed bytes), their format and compression, and the tokenizer, written atomically
 * and reused by the next open (a resumed training does not tokenise again). {@code plrd tokenize} writes the same
 * format ahead of time.
 *
 * <h2>Windows and splits</h2>
 * The stream is cut into windows of sequenceLength + 1 tokens with stride sequenceLength: the inputs are a
 * window's first sequenceLength tokens and the targets its last sequenceLength. The held-out split is the last
 * {@value #HELD_OUT_PERCENT}% of the stream's tokens (rounded up), the training split everything before it: the
 * boundary is set in tokens, so it is the same at every sequence length and no token of one split is in a window
 * of the other. A split must hold at least one window; {@link SplitName#ALL} is the whole stream. Every id must be
 * below the model's vocabulary size: checked on open where no maxTokenId vouches for it, and in every window read
 * (a stated maxTokenId may be false).
 */
public final class TokenDataset implements Closeable {
    /** The share of the token stream, at its end, held out from training. */
    public static final int HELD_OUT_PERCENT = 1;

    private final String location;
    private final String format;
    private final TokenShards tokens;
    private final int vocabSize;

    private TokenDataset(String location, String format, TokenShards tokens, int vocabSize) {
        this.location = location;
        this.vocabSize = vocabSize;
        this.format = format;
        this.tokens = tokens;
    }

    /**
     * @param location a path or file:// URI
     * @param vocabSize of the model: every id must be below it
     * @param tokenizerDir the model checkpoint holding tokenizer.json; needed for text only
     * @param cacheDir where tokenised text is kept; needed for text only
     */
    public static TokenDataset open(String location, int vocabSize, Path tokenizerDir, Path cacheDir)
            throws IOException, DataException {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
        }
        DatasetLayout layout = DatasetLayout.of(DatasetLayout.localPath(location), location);
        if (layout instanceof DatasetLayout.Bare bare) {
            return bare(location, bare.files(), vocabSize);
        }
        if (layout instanceof DatasetLayout.Text text) {
            Path entry = tokeniseText(location, text.files(), tokenizerDir, cacheDir);
            return withManifest(location, entry, vocabSize, String.format(Locale.ROOT, "text, %d file%s, tokenised into %s",
                    text.files().size(), text.files().size() == 1 ? "" : "s", entry));
        }
        Path directory = ((DatasetLayout.Manifest) layout).directory();
        return withManifest(location, directory, vocabSize, DatasetManifest.FORMAT);
    }

    private static Path tokeniseText(String location, List<TextFile> files, Path tokenizerDir, Path cacheDir)
            throws IOException, DataException {
        if (tokenizerDir == null || cacheDir == null) {
            throw new DataException(location + ": a text dataset is tokenised on first use, which needs the model's"
                    + " tokenizer.json and a cache directory");
        }
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerDir)) {
            return TextCache.tokenised(files, tokenizer, cacheDir);
        }
    }

    private static TokenDataset withManifest(String location, Path directory, int vocabSize, String format)
            throws IOException, DataException {
        DatasetManifest manifest = DatasetManifest.read(directory);
        if (manifest.tokens() == 0) {
            throw new DataException(location + ": holds no tokens");
        }
        Path file = directory.resolve(DatasetManifest.FILE_NAME);
        if (manifest.maxTokenId().isPresent() && manifest.maxTokenId().getAsLong() >= vocabSize) {
            throw new DataException(file + ": maxTokenId " + manifest.maxTokenId().getAsLong() + " is not below the"
                    + " model's vocabulary size " + vocabSize + ": the data was tokenised for another vocabulary");
        }
        TokenShards shards = TokenShards.map(manifest.shards(), manifest.dtype());
        if (manifest.maxTokenId().isEmpty()) {
            checkIds(shards, vocabSize);
        }
        return new TokenDataset(location, format, shards, vocabSize);
    }

    private static TokenDataset bare(String location, List<Path> files, int vocabSize) throws IOException, DataException {
        TokenDType dtype = TokenDType.forVocabulary(vocabSize);
        List<TokenShards.Shard> shards = new ArrayList<>();
        long total = 0;
        for (Path file : files) {
            long size = Files.size(file);
            if (size % dtype.width() != 0) {
                throw new DataException(file + ": " + size + " bytes is not a whole number of " + dtype.id() + " tokens"
                        + " (the dtype for a vocabulary of " + vocabSize + ")");
            }
            shards.add(new TokenShards.Shard(file, size / dtype.width()));
            total += size / dtype.width();
        }
        if (total == 0) {
            throw new DataException(location + ": holds no tokens");
        }
        TokenShards mapped = TokenShards.map(shards, dtype);
        checkIds(mapped, vocabSize);
        return new TokenDataset(location, String.format(Locale.ROOT, ".bin, %d file%s", files.size(),
                files.size() == 1 ? "" : "s"), mapped, vocabSize);
    }

    private static void checkIds(TokenShards shards, int vocabSize) throws DataException {
        long at = shards.firstAtLeast(vocabSize);
        if (at >= 0) {
            long[] id = new long[1];
            shards.read(at, id, 0, 1);
            throw new DataException(shards.fileOf(at) + ": token id " + id[0] + " at token " + shards.offsetInFile(at)
                    + " is not below the model's vocabulary size " + vocabSize + " (" + shards.dtype().id()
                    + "): the data was tokenised for another vocabulary");
        }
    }

    public long tokens() {
        return tokens.tokens();
    }

    /** One line for logs: where, what format and dtype, how many tokens. */
    public String describe() {
        return String.format(Locale.ROOT, "%s (%s, %s, %,d tokens)", location, format, tokens.dtype().id(), tokens());
    }

    /** The held-out split's first token: everything before it is the training split. */
    public long heldOutStart() {
        long total = tokens();
        return total - (total * HELD_OUT_PERCENT + 99) / 100;
    }

    public Split split(SplitName which, int sequenceLength) throws DataException {
        if (sequenceLength <= 0) {
            throw new IllegalArgumentException("sequence length must be positive, got " + sequenceLength);
        }
        long boundary = heldOutStart();
        Split split = switch (which) {
            case TRAIN -> new Split(which, tokens, 0, boundary, sequenceLength, vocabSize);
            case HELD_OUT -> new Split(which, tokens, boundary, tokens() - boundary, sequenceLength, vocabSize);
            case ALL -> new Split(which, tokens, 0, tokens(), sequenceLength, vocabSize);
        };
        if (split.windows() == 0) {
            String part = switch (which) {
                case TRAIN -> "training split (all but the last " + HELD_OUT_PERCENT + "%)";
                case HELD_OUT -> "held-out split (the last " + HELD_OUT_PERCENT + "%)";
                case ALL -> "dataset";
            };
            throw new DataException(String.format(Locale.ROOT, "%s: the %s has %,d tokens; a window of sequence length"
                    + " %d needs %,d", location, part, split.tokens(), sequenceLength, sequenceLength + 1L));
        }
        return split;
    }

    @Override
    public void close() {
        tokens.close();
    }
}
