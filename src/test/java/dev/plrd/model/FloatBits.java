package dev.plrd.model;

/** Raw bit patterns of floats, so that comparisons tell -0 from 0 and see NaN payloads. */
final class FloatBits {
    private FloatBits() {
    }

    static int[] of(float... values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
