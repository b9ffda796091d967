package dev.plrd.decompose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Progressive step: re-truncates a factored pair A (out x r) B (r x in) to rank r' < r without forming A B, at
 * O((out + in) r^2) instead of the O(out in min(out, in)) of a new SVD.
 *
 * <p>With the thin QR factorizations A = Q_A R_A and B^T = Q_B R_B, A B = Q_A C Q_B^T with the r x r core
 * C = R_A R_B^T, so the SVD C = U S V_c^T gives the SVD of A B, (Q_A U) S (Q_B V_c)^T, and the truncation is exact.
 * Neither Q is formed: R_A is the Cholesky factor of A^T A, and the core enters only as
 * C C^T = R_A (B B^T) R_A^T, whose eigen-decomposition gives U and S^2 (twice as fast as an SVD of C, and in
 * float64 more accurate than the float32 inputs for any singular value above 1e-8 of the largest). Then
 * A' = A R_A^-1 U' S'^(1/2) and B' = S'^(1/2) V'^T = S'^(-1/2) U'^T R_A B, two device products with r x r' matrices.
 * The Gram products and the final products run on the device in float64.
 */
public final class Retruncation {
    private Retruncation() {
    }

    public static Factors truncate(Matrix a, Matrix b, int newRank, Split split) {
        Checks.pair(a, b);
        Checks.newRank(a, b, newRank);
        if (Checks.finiteNormSquared(a, "A") == 0 || Checks.finiteNormSquared(b, "B") == 0) {
            return Factors.zero(a.rows(), b.cols(), newRank);
        }
        try (Tensors t = new Tensors()) {
            // float64 throughout: the Gram matrices square A's and B's condition numbers, and A R_A^-1 in float32
            // would lose another factor of cond(A) to rounding
            NDArray a64 = t.upload(a).toType(DataType.FLOAT64, false);
            NDArray bT64 = t.upload(b).toType(DataType.FLOAT64, false).transpose();
            Core core = Core.of(a64, bT64);
            SmallMatrix.Eigen eigen = core.squared.symmetricEigen();
            double[] s = singularValues(eigen.values());
            Spectrum spectrum = new Spectrum(s);
            double[] toB = spectrum.rightScales(newRank, split);
            for (int i = 0; i < newRank; i++) {
                toB[i] = s[i] > 0 ? toB[i] / s[i] : 0;                  // a null direction contributes nothing
            }
            SmallMatrix u = eigen.vectors().leadingColumns(newRank);
            SmallMatrix toA = core.rA.inverseUpper().times(u.scaleColumns(spectrum.leftScales(newRank, split)));
            SmallMatrix toBt = core.rA.transposeTimes(u.scaleColumns(toB));  // B'^T = B^T R_A^T U' diag(right/s)
            try (NDArray ad = t.times(a64, toA); NDArray btd = t.times(bT64, toBt)) {
                return new Factors(Tensors.download(ad), Tensors.download(btd).transpose(), spectrum.kept(newRank),
                        spectrum.relativeError(newRank));
            }
        }
    }

    /** The r singular values of A B, largest first, from the r x r core. */
    public static float[] singularValues(Matrix a, Matrix b) {
        Checks.pair(a, b);
        if (Checks.finiteNormSquared(a, "A") == 0 || Checks.finiteNormSquared(b, "B") == 0) {
            return new float[a.cols()];
        }
        try (Tensors t = new Tensors()) {
            Core core = Core.of(t.upload(a).toType(DataType.FLOAT64, false),
                    t.upload(b).toType(DataType.FLOAT64, false).transpose());
            return new Spectrum(singularValues(core.squared.symmetricEigenvalues())).kept(a.cols());
        }
    }

    /** Square roots of the eigenvalues of C C^T, largest first; rounding can leave a null one slightly negative. */
    private static double[] singularValues(double[] squares) {
        double[] s = new double[squares.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.sqrt(Math.max(squares[i], 0));
        }
        return s;
    }

    /** R_A (upper, A^T A = R_A^T R_A) and C C^T = R_A (B B^T) R_A^T. */
    private record Core(SmallMatrix rA, SmallMatrix squared) {
        static Core of(NDArray a64, NDArray bT64) {
            SmallMatrix rA = Tensors.gram(a64).choleskyUpper();
            return new Core(rA, rA.times(Tensors.gram(bT64)).timesTranspose(rA));
        }
    }
}
