package dev.plrd.data;

/**
 * Where a {@link BatchSampler} stands: the epoch, and the index of the next window in that epoch's shuffled order.
 * Saving it with a training checkpoint and passing it back resumes the exact same sequence of windows.
 */
public record Position(long epoch, long index) {
    public static final Position START = new Position(0, 0);

    public Position {
        if (epoch < 0 || index < 0) {
            throw new IllegalArgumentException("a position has a non-negative epoch and index, got " + epoch + "/" + index);
        }
    }
}
