package dev.plrd.data;

/**
 * Draws a split's windows in a shuffled order that depends only on the seed: each epoch is a fresh permutation of
 * all windows ({@link WindowOrder}, keyed by seed and epoch), so every window is drawn once per epoch, and drawing
 * past the last window continues with the next epoch. Two samplers with the same split, seed and start draw the
 * same windows; one started at another's {@link #position()} draws what that one would draw next.
 */
public final class BatchSampler {
    private final Split split;
    private final long seed;
    private final long[] window;
    private long epoch;
    private long index;
    private WindowOrder order;

    public BatchSampler(Split split, long seed, Position start) {
        if (start.index() >= split.windows()) {
            throw new IllegalArgumentException("position " + start.index() + " in epoch " + start.epoch()
                    + " is past the " + split.windows() + " windows of the " + split.name().cli() + " split at sequence"
                    + " length " + split.sequenceLength() + ": it was saved with other data or another sequence length");
        }
        this.split = split;
        this.seed = seed;
        this.window = new long[split.sequenceLength() + 1];
        this.epoch = start.epoch();
        this.index = start.index();
        this.order = new WindowOrder(split.windows(), seed, epoch);
    }

    /** The next rows windows, as inputs and the targets one token to their right. */
    public Batch next(int rows) {
        if (rows <= 0) {
            throw new IllegalArgumentException("a batch has at least one row, not " + rows);
        }
        int seq = split.sequenceLength();
        long[] inputs = new long[Math.multiplyExact(rows, seq)];
        long[] targets = new long[inputs.length];
        for (int r = 0; r < rows; r++) {
            split.window(order.at(index), window);
            System.arraycopy(window, 0, inputs, r * seq, seq);
            System.arraycopy(window, 1, targets, r * seq, seq);
            if (++index == split.windows()) {
                index = 0;
                order = new WindowOrder(split.windows(), seed, ++epoch);
            }
        }
        return new Batch(inputs, targets, rows, seq);
    }

    /** Where the next window comes from: save it with a checkpoint to resume there. */
    public Position position() {
        return new Position(epoch, index);
    }
}
