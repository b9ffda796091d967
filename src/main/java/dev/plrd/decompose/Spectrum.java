package dev.plrd.decompose;

/** Singular values, largest first, and what a truncation to a rank keeps and loses. */
record Spectrum(double[] values) {
    static Spectrum of(float[] values) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        return new Spectrum(v);
    }

    /**
     * sqrt(sum_{i >= rank} s_i^2 / sum_i s_i^2): by Eckart-Young the Frobenius error of the best rank-rank
     * approximation relative to the whole, computed from the dropped values instead of a product; 0 for a zero matrix.
     */
    double relativeError(int rank) {
        double dropped = 0;
        double total = 0;
        for (int i = values.length - 1; i >= 0; i--) {  // smallest first: less rounding in the sums
            double s2 = values[i] * values[i];
            total += s2;
            if (i >= rank) {
                dropped += s2;
            }
        }
        return total == 0 ? 0 : Math.sqrt(dropped / total);
    }

    float[] kept(int rank) {
        float[] kept = new float[rank];
        for (int i = 0; i < rank; i++) {
            kept[i] = (float) values[i];
        }
        return kept;
    }

    /** The scale of each of A's first rank columns. */
    double[] leftScales(int rank, Split split) {
        double[] scale = new double[rank];
        for (int i = 0; i < rank; i++) {
            scale[i] = split.left(values[i]);
        }
        return scale;
    }

    /** The scale of each of B's first rank rows. */
    double[] rightScales(int rank, Split split) {
        double[] scale = new double[rank];
        for (int i = 0; i < rank; i++) {
            scale[i] = split.right(values[i]);
        }
        return scale;
    }
}
