package dev.plrd.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * The shards of a dataset read as one stream of token ids, memory-mapped. A mapping cannot exceed 2 GiB, so every
 * shard is mapped in pieces of at most {@value #MAX_MAPPING_BYTES} bytes; reads use absolute positions only, so
 * any number of threads may read at once.
 */
final class TokenShards {
    static final long MAX_MAPPING_BYTES = 1L << 30;

    /** A shard file and the tokens it holds. */
    record Shard(Path file, long tokens) {
    }

    private final List<Shard> shards;
    private final TokenDType dtype;
    /** starts[i]: the stream index of shard i's first token; the last entry is the total. */
    private final long[] starts;
    private final long tokensPerMapping;
    private volatile ByteBuffer[][] mappings;

    private TokenShards(List<Shard> shards, TokenDType dtype, long[] starts, long tokensPerMapping, ByteBuffer[][] mappings) {
        this.shards = shards;
        this.dtype = dtype;
        this.starts = starts;
        this.tokensPerMapping = tokensPerMapping;
        this.mappings = mappings;
    }

    static TokenShards map(List<Shard> shards, TokenDType dtype) throws IOException {
        return map(shards, dtype, MAX_MAPPING_BYTES);
    }

    /** mappingBytes smaller than the default lets tests cross mapping boundaries without gigabytes of data. */
    static TokenShards map(List<Shard> shards, TokenDType dtype, long mappingBytes) throws IOException {
        if (mappingBytes <= 0 || mappingBytes % TokenDType.UINT32.width() != 0) {
            throw new IllegalArgumentException("mapping size must be a positive multiple of 4 bytes, got " + mappingBytes);
        }
        long tokensPerMapping = mappingBytes / dtype.width();
        long[] starts = new long[shards.size() + 1];
        ByteBuffer[][] mappings = new ByteBuffer[shards.size()][];
        for (int s = 0; s < shards.size(); s++) {
            Shard shard = shards.get(s);
            starts[s + 1] = starts[s] + shard.tokens();
            mappings[s] = mapShard(shard, dtype, tokensPerMapping);
        }
        return new TokenShards(List.copyOf(shards), dtype, starts, tokensPerMapping, mappings);
    }

    private static ByteBuffer[] mapShard(Shard shard, TokenDType dtype, long tokensPerMapping) throws IOException {
        int pieces = Math.toIntExact((shard.tokens() + tokensPerMapping - 1) / tokensPerMapping);
        ByteBuffer[] mapped = new ByteBuffer[pieces];
        // a mapping stays valid once its channel is closed, so no file stays open
        try (FileChannel channel = FileChannel.open(shard.file(), StandardOpenOption.READ)) {
            for (int p = 0; p < pieces; p++) {
                long first = p * tokensPerMapping;
                long tokens = Math.min(tokensPerMapping, shard.tokens() - first);
                mapped[p] = channel.map(FileChannel.MapMode.READ_ONLY, first * dtype.width(), tokens * dtype.width())
                        .order(ByteOrder.LITTLE_ENDIAN);
            }
        }
        return mapped;
    }

    long tokens() {
        return starts[starts.length - 1];
    }

    TokenDType dtype() {
        return dtype;
    }

    /** Copies count ids from stream index from into into[offset..]. */
    void read(long from, long[] into, int offset, int count) {
        if (from < 0 || count < 0 || from > tokens() - count) {
            throw new IndexOutOfBoundsException("tokens [" + from + ", " + (from + count) + ") of " + tokens());
        }
        ByteBuffer[][] mapped = mapped();
        int width = dtype.width();
        while (count > 0) {
            int s = shardOf(from);
            long local = from - starts[s];
            ByteBuffer piece = mapped[s][(int) (local / tokensPerMapping)];
            int within = (int) (local % tokensPerMapping);
            int n = Math.min(count, piece.capacity() / width - within);
            for (int i = 0; i < n; i++) {
                into[offset + i] = dtype.get(piece, (within + i) * width);
            }
            from += n;
            offset += n;
            count -= n;
        }
    }

    /** The stream index of the first id that is not below limit, or -1 when there is none. */
    long firstAtLeast(long limit) {
        if (limit >= dtype.limit()) {
            return -1;
        }
        ByteBuffer[][] mapped = mapped();
        int width = dtype.width();
        for (int s = 0; s < mapped.length; s++) {
            long position = starts[s];
            for (ByteBuffer piece : mapped[s]) {
                int n = piece.capacity() / width;
                for (int i = 0; i < n; i++) {
                    if (dtype.get(piece, i * width) >= limit) {
                        return position + i;
                    }
                }
                position += n;
            }
        }
        return -1;
    }

    /** The shard file that holds a stream index. */
    Path fileOf(long index) {
        return shards.get(shardOf(index)).file();
    }

    /** Offset of a stream index within its shard file, in tokens. */
    long offsetInFile(long index) {
        return index - starts[shardOf(index)];
    }

    /** Drops the mappings; the memory is unmapped once they are garbage, as Java 17 cannot unmap on demand. */
    void close() {
        mappings = null;
    }

    private ByteBuffer[][] mapped() {
        ByteBuffer[][] mapped = mappings;
        if (mapped == null) {
            throw new IllegalStateException("the dataset is closed");
        }
        return mapped;
    }

    /** The last shard starting at or before index; empty shards are skipped because their start equals the next one's. */
    private int shardOf(long index) {
        int found = Arrays.binarySearch(starts, index);
        if (found < 0) {
            return -found - 2;
        }
        while (found < shards.size() - 1 && starts[found + 1] == index) {
            found++;
        }
        return found;
    }
}
