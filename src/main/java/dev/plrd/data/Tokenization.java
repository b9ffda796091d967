package dev.plrd.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Text files into a pre-tokenised dataset directory: the one path that {@code plrd tokenize} and text datasets
 * (tokenised into a cache on first open) both take. Every document is followed by the tokenizer's end-of-sequence
 * id; the directory appears complete under its name or not at all.
 */
public final class Tokenization {
    /** Pieces of text sent to the tokenizer at once, which spreads them over the cores. */
    private static final int BATCH_CHARS = 8 * Pieces.MAX_CHARS;
    private static final int BATCH_PIECES = 8192;

    /** Called after every batch: input bytes read so far of the total, and the tokens written. */
    public interface Listener {
        void progress(long bytesRead, long bytesTotal, long tokens);
    }

    public record Summary(int files, long documents, long tokens, String dtype, int shards) {
    }

    private final TextTokenizer tokenizer;
    private final ShardWriter writer;
    private final Listener listener;
    private final long bytesTotal;
    private final List<String> pieces = new ArrayList<>();
    private final List<Boolean> ends = new ArrayList<>();
    private int chars;
    private long bytesBefore;
    private long bytesRead;
    private long documents;

    private Tokenization(TextTokenizer tokenizer, ShardWriter writer, Listener listener, long bytesTotal) {
        this.tokenizer = tokenizer;
        this.writer = writer;
        this.listener = listener;
        this.bytesTotal = bytesTotal;
    }

    /**
     * Tokenises files, in order, into target, which must be absent or an empty directory.
     *
     * @param shardTokens tokens per shard file
     */
    public static Summary run(List<TextFile> files, TextTokenizer tokenizer, Path target, long shardTokens,
            Listener listener) throws IOException, DataException {
        long bytesTotal = 0;
        for (TextFile file : files) {
            bytesTotal += Files.size(file.path());
        }
        try (ShardWriter writer = ShardWriter.create(target, tokenizer.vocabularySize(), tokenizer.eosId(), shardTokens)) {
            Tokenization t = new Tokenization(tokenizer, writer, listener, bytesTotal);
            for (TextFile file : files) {
                DocumentReader.read(file, t::add);
                t.flush();
                t.bytesBefore += Files.size(file.path());
            }
            if (writer.tokens() == 0) {
                throw new DataException(files.size() == 1 ? files.get(0).path() + ": holds no text"
                        : "none of the " + files.size() + " input files holds any text");
            }
            DatasetManifest manifest = writer.commit();
            return new Summary(files.size(), t.documents, manifest.tokens(), manifest.dtype().id(),
                    manifest.shards().size());
        }
    }

    private void add(String piece, boolean endOfDocument, long bytesReadInFile) throws IOException {
        pieces.add(piece);
        ends.add(endOfDocument);
        chars += piece.length();
        bytesRead = bytesBefore + bytesReadInFile;
        if (chars >= BATCH_CHARS || pieces.size() >= BATCH_PIECES) {
            flush();
        }
    }

    private void flush() throws IOException {
        if (pieces.isEmpty()) {
            return;
        }
        long[][] ids = tokenizer.encode(pieces);
        for (int i = 0; i < ids.length; i++) {
            writer.write(ids[i]);
            if (ends.get(i)) {
                writer.write(tokenizer.eosId());
                documents++;
            }
        }
        pieces.clear();
        ends.clear();
        chars = 0;
        listener.progress(bytesRead, bytesTotal, writer.tokens());
    }
}
