package dev.plrd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.OptionalInt;

/**
 * What attention needs for a sequence length: the rotary cos/sin tables and the additive causal mask. They are
 * built once for the longest length seen and sliced for shorter ones, so a training run at one length builds them
 * once; they are {@link PersistentArrays}, which no NDScope closes.
 */
final class Positions {
    private final NDManager manager;
    private final int headDim;
    private final float[] inverseFrequencies;
    private final OptionalInt slidingWindow;
    private int length;
    private NDArray cos;
    private NDArray sin;
    private NDArray mask;

    Positions(NDManager manager, int headDim, double ropeTheta, OptionalInt slidingWindow) {
        this.manager = manager;
        this.headDim = headDim;
        this.slidingWindow = slidingWindow;
        // float32 at every step, as transformers computes 1 / theta^(2i/d), so that long positions round alike
        this.inverseFrequencies = new float[headDim / 2];
        for (int i = 0; i < inverseFrequencies.length; i++) {
            float exponent = (float) (2 * i) / headDim;
            inverseFrequencies[i] = 1f / (float) Math.pow(ropeTheta, exponent);
        }
    }

    Tables forLength(int n) {
        if (n > length) {
            build(n);
        }
        String range = "0:" + n;
        return new Tables(cos.get(new NDIndex(range)), sin.get(new NDIndex(range)), mask.get(new NDIndex(range + "," + range)));
    }

    /**
     * Replaces the tables. Closing the old ones is safe: their memory is torch's, and a graph that still uses them
     * holds its own reference.
     */
    private void build(int n) {
        float[] cosines = new float[n * headDim];
        float[] sines = new float[n * headDim];
        int half = headDim / 2;
        for (int position = 0; position < n; position++) {
            for (int i = 0; i < half; i++) {
                // the frequencies appear twice, [f, f], to pair element i with element i + d/2 (rotate_half)
                float angle = position * inverseFrequencies[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cosines[position * headDim + i] = c;
                cosines[position * headDim + half + i] = c;
                sines[position * headDim + i] = s;
                sines[position * headDim + half + i] = s;
            }
        }
        float[] additive = new float[n * n];
        for (int query = 0; query < n; query++) {
            for (int key = 0; key < n; key++) {
                boolean future = key > query;
                boolean outsideWindow = slidingWindow.isPresent() && query - key >= slidingWindow.getAsInt();
                additive[query * n + key] = future || outsideWindow ? Float.NEGATIVE_INFINITY : 0f;
            }
        }
        if (cos != null) {
            cos.close();
            sin.close();
            mask.close();
        }
        cos = PersistentArrays.create(manager, cosines, new Shape(n, headDim));
        sin = PersistentArrays.create(manager, sines, new Shape(n, headDim));
        mask = PersistentArrays.create(manager, additive, new Shape(n, n));
        length = n;
    }

    /**
     * The tables for one length.
     *
     * @param cos  [length, headDim]
     * @param sin  [length, headDim]
     * @param mask [length, length], 0 where a query position may attend to a key position, -infinity elsewhere
     */
    record Tables(NDArray cos, NDArray sin, NDArray mask) {
        /** x [batch, heads, length, headDim] rotated as transformers' apply_rotary_pos_emb: x cos + rotate_half(x) sin. */
        NDArray rotate(NDArray x) {
            NDList halves = x.split(2, 3); // DJL's split takes no negative axis
            NDArray rotated = halves.get(1).neg().concat(halves.get(0), 3);
            return x.mul(cos).add(rotated.mul(sin));
        }
    }
}
