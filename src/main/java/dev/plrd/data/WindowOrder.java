package dev.plrd.data;

import java.util.SplittableRandom;

/**
 * One epoch's shuffled order of n windows: a pseudo-random permutation of [0, n) keyed by (seed, epoch). It is a
 * balanced Feistel network over the smallest power-of-four domain that holds n, with round keys drawn from a
 * seeded RNG, walked in cycles until the value falls below n. Unlike a shuffled array it needs no memory per
 * window (a billion-window epoch costs nothing to hold) and gives the i-th window directly, which is what makes
 * resuming from a {@link Position} free.
 */
final class WindowOrder {
    private static final int ROUNDS = 8;

    private final long n;
    private final int halfBits;
    private final long halfMask;
    private final long[] keys = new long[ROUNDS];

    WindowOrder(long n, long seed, long epoch) {
        if (n <= 0) {
            throw new IllegalArgumentException("an order of " + n + " windows");
        }
        this.n = n;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
        this.halfBits = (bits + 1) / 2;
        this.halfMask = (1L << halfBits) - 1;
        SplittableRandom random = new SplittableRandom(mix(seed ^ mix(epoch + 0x9E3779B97F4A7C15L)));
        for (int r = 0; r < ROUNDS; r++) {
            keys[r] = random.nextLong();
        }
    }

    /** The window at position index of this epoch's order. */
    long at(long index) {
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("position " + index + " of " + n + " windows");
        }
        long x = index;
        do {
            x = permute(x);
        } while (x >= n);
        return x;
    }

    private long permute(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (long key : keys) {
            long next = left ^ (mix(right ^ key) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    /** The finaliser of SplitMix64: every input bit reaches every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
