package dev.plrd.data;

import dev.plrd.model.AtomicFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Writes a pre-tokenised dataset directory ({@link TokenDataset} describes it) under a temporary name;
 * {@link #commit()} puts it in place complete, and closing without a commit leaves nothing behind.
 */
final class ShardWriter implements Closeable {
    static final long DEFAULT_SHARD_TOKENS = 100_000_000L;
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path target;
    private final Path temp;
    private final TokenDType dtype;
    private final long vocabSize;
    private final long eosId;
    private final long shardTokens;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final List<TokenShards.Shard> written = new ArrayList<>();
    private FileChannel channel;
    private long inShard;
    private long tokens;
    private long maxTokenId = -1;
    private boolean committed;

    private ShardWriter(Path target, Path temp, long vocabSize, long eosId, long shardTokens) {
        this.target = target;
        this.temp = temp;
        this.dtype = TokenDType.forVocabulary(vocabSize);
        this.vocabSize = vocabSize;
        this.eosId = eosId;
        this.shardTokens = shardTokens;
    }

    /** The dtype follows the vocabulary size, as for bare .bin files, so the same rule reads both. */
    static ShardWriter create(Path target, long vocabSize, long eosId, long shardTokens) throws IOException {
        if (shardTokens <= 0) {
            throw new IllegalArgumentException("tokens per shard must be positive, got " + shardTokens);
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        return new ShardWriter(target, AtomicFiles.createTempDirectory(target), vocabSize, eosId, shardTokens);
    }

    void write(long[] ids) throws IOException {
        for (long id : ids) {
            write(id);
        }
    }

    void write(long id) throws IOException {
        if (id < 0 || id >= vocabSize) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocabSize);
        }
        if (channel == null || inShard == shardTokens) {
            nextShard();
        }
        if (!buffer.hasRemaining()) {
            flush();
        }
        dtype.put(buffer, id);
        inShard++;
        tokens++;
        maxTokenId = Math.max(maxTokenId, id);
    }

    long tokens() {
        return tokens;
    }

    /** Puts the dataset in place under target and returns its manifest. */
    DatasetManifest commit() throws IOException {
        if (tokens == 0) {
            throw new IllegalStateException("no tokens were written for " + target);
        }
        finishShard();
        DatasetManifest manifest = new DatasetManifest(dtype, vocabSize, tokens, OptionalLong.of(eosId),
                List.copyOf(written), OptionalLong.of(maxTokenId));
        try (FileChannel json = FileChannel.open(temp.resolve(DatasetManifest.FILE_NAME), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(manifest.toJson());
            while (bytes.hasRemaining()) {
                json.write(bytes);
            }
            json.force(true);
        }
        AtomicFiles.syncDirectory(temp);
        AtomicFiles.moveAtomically(temp, target);
        committed = true;
        Path placed = target.toAbsolutePath();
        return new DatasetManifest(dtype, vocabSize, tokens, manifest.eosId(), written.stream()
                .map(s -> new TokenShards.Shard(placed.resolve(s.file().getFileName()), s.tokens())).toList(),
                manifest.maxTokenId());
    }

    private void nextShard() throws IOException {
        finishShard();
        Path file = temp.resolve(String.format(Locale.ROOT, "shard-%05d.bin", written.size()));
        channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        written.add(new TokenShards.Shard(file, 0));
        inShard = 0;
    }

    private void finishShard() throws IOException {
        if (channel == null) {
            return;
        }
        flush();
        channel.force(true);
        channel.close();
        channel = null;
        int last = written.size() - 1;
        written.set(last, new TokenShards.Shard(written.get(last).file(), inShard));
    }

    private void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        if (!committed) {
            AtomicFiles.deleteRecursively(temp);
        }
    }
}
