package dev.plrd.data;

/**
 * A contiguous range of a dataset's token stream packed into windows of {@code sequenceLength + 1} tokens with
 * stride {@code sequenceLength}: window i covers tokens [i*seq, i*seq + seq] of the range, its first seq tokens
 * the inputs and its last seq the targets, so consecutive windows share one token and the range's tail that does
 * not fill a window is not used. Reads are thread-safe.
 *
 * <p>Every window is checked against the model's vocabulary as it is read: a dataset.json may state a false
 * maxTokenId, and an id past the embedding would otherwise surface as PyTorch's bare "index out of range in
 * self", or not at all in a stage that never reads that window. The check costs one comparison per token read.
 */
public final class Split {
    private final SplitName name;
    private final TokenShards tokens;
    private final long first;
    private final long length;
    private final int sequenceLength;
    private final long windows;
    private final int vocabSize;

    Split(SplitName name, TokenShards tokens, long first, long length, int sequenceLength, int vocabSize) {
        this.name = name;
        this.vocabSize = vocabSize;
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
        long start = first + index * sequenceLength;
        tokens.read(start, into, 0, into.length);
        for (int i = 0; i < into.length; i++) {
            if (into[i] >= vocabSize) {
                long at = start + i;
                throw new TokenIdOutOfRangeException(tokens.fileOf(at) + ": token id " + into[i] + " at token "
                        + tokens.offsetInFile(at) + " is not below the model's vocabulary size " + vocabSize
                        + ": the data was tokenised for another vocabulary, or its dataset.json states a false"
                        + " maxTokenId");
            }
        }
    }
}
