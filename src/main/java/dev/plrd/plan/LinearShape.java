package dev.plrd.plan;

/**
 * One linear layer the planner may factor: its module path, its dense shape, and the rank it
 * already has when the input checkpoint is factored (a re-truncation can only lower it).
 *
 * @param currentRank the rank of the input's factored pair, or 0 when the input is dense
 */
public record LinearShape(String module, int out, int in, int currentRank) {
    public LinearShape {
        if (out < 1 || in < 1 || currentRank < 0) {
            throw new IllegalArgumentException(module + ": bad shape " + out + " x " + in + " rank " + currentRank);
        }
    }

    public long denseParameters() {
        return (long) out * in;
    }

    public long factoredParameters(int rank) {
        return (long) rank * (out + in);
    }

    /** The largest rank at which two factors hold fewer parameters than the dense matrix. */
    public int maxSavingRank() {
        return (int) ((denseParameters() - 1) / (out + in));
    }

    /** The highest rank a plan may give it: below the break-even, and not above what the input has. */
    public int rankCap() {
        int cap = Math.min(maxSavingRank(), Math.min(out, in));
        return currentRank > 0 ? Math.min(cap, currentRank) : cap;
    }

    /** What the input holds for this layer now. */
    public long inputParameters() {
        return currentRank > 0 ? factoredParameters(currentRank) : denseParameters();
    }
}
