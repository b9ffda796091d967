package dev.plrd.decompose;

import java.util.Arrays;

/**
 * Truncated SVD accurate to float32, through LAPACK sgesdd (divide and conquer). Its cost is the full SVD of W
 * whatever the rank; {@link RandomizedSvd} is the cheaper route when a small error above the optimum is acceptable.
 */
public final class ExactSvd {
    private ExactSvd() {
    }

    /** The best rank-rank approximation of w (Eckart-Young), split into A B as split says. */
    public static Factors truncate(Matrix w, int rank, Split split) {
        Checks.rank(w, rank);
        Checks.finiteNormSquared(w, "W");
        Tall x = Tall.of(w);
        int m = x.rows;
        int n = x.cols;
        float[] s = new float[n];
        float[] u = new float[m * n];
        float[] vt = new float[n * n];
        Lapack.sgesdd('S', m, n, x.data, s, u, vt);

        Spectrum spectrum = Spectrum.of(s);
        double[] left = spectrum.leftScales(rank, split);
        double[] right = spectrum.rightScales(rank, split);
        Matrix leftVectors;   // U_r of W, out x rank
        Matrix rightVectors;  // V_r^T of W, rank x in
        if (x.transposed) {
            // X = W: u (out x n, column-major) holds U's columns one after another, so its first rank*out values
            // are U_r^T row-major; vt (n x in, column-major) read row-major is V, whose transpose is V^T
            leftVectors = new Matrix(rank, w.rows(), Arrays.copyOf(u, rank * w.rows())).transpose();
            rightVectors = leadingRows(new Matrix(n, n, vt).transpose(), rank);
        } else {
            // X = W^T = U_X S V_X^T, so W = V_X S U_X^T: vt (n x n, column-major, n = out) read row-major is
            // U of W, and u (in x n, column-major) read row-major is V^T of W
            leftVectors = new Matrix(n, n, vt);
            rightVectors = leadingRows(new Matrix(n, w.cols(), u), rank);
        }
        return new Factors(scaleColumns(leftVectors, rank, left), scaleRows(rightVectors, right),
                spectrum.kept(rank), spectrum.relativeError(rank));
    }

    /** All min(out, in) singular values of w, largest first (no vectors: much cheaper, for rank allocation). */
    public static float[] singularValues(Matrix w) {
        Checks.finiteNormSquared(w, "W");
        Tall x = Tall.of(w);
        float[] s = new float[x.cols];
        Lapack.sgesdd('N', x.rows, x.cols, x.data, s, null, null);
        return s;
    }

    /** A copy of the first count rows (the caller scales it in place). */
    private static Matrix leadingRows(Matrix m, int count) {
        return new Matrix(count, m.cols(), Arrays.copyOf(m.data(), count * m.cols()));
    }

    /** The first count columns of m, column j multiplied by scale[j]. */
    private static Matrix scaleColumns(Matrix m, int count, double[] scale) {
        float[] out = new float[m.rows() * count];
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < count; j++) {
                out[i * count + j] = (float) (m.data()[i * m.cols() + j] * scale[j]);
            }
        }
        return new Matrix(m.rows(), count, out);
    }

    /** m with row i multiplied by scale[i], in place (m is a private copy). */
    private static Matrix scaleRows(Matrix m, double[] scale) {
        float[] d = m.data();
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                d[i * m.cols() + j] = (float) (d[i * m.cols() + j] * scale[i]);
            }
        }
        return m;
    }

    /**
     * W as the tall column-major matrix LAPACK is handed: rows >= cols. Row-major W (out x in) is column-major W^T,
     * already tall when out <= in; when out > in it is wide, and sgesdd would take its LQ path, twice as slow as
     * an explicit transpose plus the QR path (NUMERICS.md 5a). sgesdd overwrites its input, so this is always a copy.
     */
    private record Tall(float[] data, int rows, int cols, boolean transposed) {
        static Tall of(Matrix w) {
            if (w.rows() <= w.cols()) {
                return new Tall(w.data().clone(), w.cols(), w.rows(), false);
            }
            return new Tall(w.transpose().data(), w.rows(), w.cols(), true);
        }
    }
}
