package dev.plrd.data;

/**
 * A contiguous range of a dataset's token stream packed into windows of {@code sequenceLength + 1} tokens with
 * stride {@code sequenceLength}: window i covers tokens [i*seq, i*seq + seq] of the range, its first seq tokens
 * the inputs and its last seq the targets, so consecutive windows share one token and the range's tail that does
 * not fill a window is not used. Reads are thread-safe.
 */
public final class Split {
    private final SplitName name;
    private final TokenShards tokens;
    private final long first;
    private final long length;
    private final int sequenceLength;
    private final long windows;

    Split(SplitName name, TokenShards tokens, long first, long length, int sequenceLength) {
        this.name = name;
        this.tokens = tokens;
        this.first = first;
        this.length = length;
        this.sequenceLength = sequenceLength;
        this.windows = length <= sequenceLength ? 0 : (length - 1) / sequenceLength;
    }

    public SplitName name() {
        return name;
    }

    /** Tokens in the split's range, used by windows or not. */
    public long tokens() {
        return length;
    }

    public long windows() {
        return windows;
    }

    public int sequenceLength() {
        return sequenceLength;
    }

    /** Window index into into, whose length must be sequenceLength + 1. */
    public void window(long index, long[] into) {
        if (index < 0 || index >= windows) {
            throw new IndexOutOfBoundsException("window " + index + " of " + windows);
        }
        if (into.length != sequenceLength + 1) {
            throw new IllegalArgumentException("a window of sequence length " + sequenceLength + " has "
                    + (sequenceLength + 1) + " tokens, not " + into.length);
        }
        tokens.read(first + index * sequenceLength, into, 0, into.length);
    }
}
