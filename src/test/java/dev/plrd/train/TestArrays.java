package dev.plrd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Moving token batches into DJL and comparing logits with the reference. */
final class TestArrays {
    private TestArrays() {
    }

    static NDArray tokens(NDManager manager, long[][] tokens) {
        long[] flat = new long[tokens.length * tokens[0].length];
        for (int b = 0; b < tokens.length; b++) {
            System.arraycopy(tokens[b], 0, flat, b * tokens[0].length, tokens[0].length);
        }
        return manager.create(flat, new Shape(tokens.length, tokens[0].length));
    }

    /**
     * max |actual - expected| / max |expected|. Relative to the largest logit rather than element by element,
     * because logits cross zero, where an element's own relative error means nothing; a wrong rotation, mask or
     * head grouping moves logits by a sizeable fraction of the largest, far above float32 rounding (~1e-6).
     */
    static double relativeError(NDArray actual, double[][][] expected) {
        float[] values = actual.toFloatArray();
        int i = 0;
        double maxError = 0;
        double maxExpected = 0;
        for (double[][] sequence : expected) {
            for (double[] position : sequence) {
                for (double e : position) {
                    maxError = Math.max(maxError, Math.abs(values[i++] - e));
                    maxExpected = Math.max(maxExpected, Math.abs(e));
                }
            }
        }
        if (i != values.length) {
            throw new AssertionError("logits hold " + values.length + " values, the reference " + i);
        }
        return maxError / maxExpected;
    }
}
