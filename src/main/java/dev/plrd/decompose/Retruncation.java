package dev.plrd.decompose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Progressive step: re-truncates a factored pair A (out x r) B (r x in) to rank r' < r without forming A B, at
 * O((out + in) r^2) instead of the O(out in min(out, in)) of a new SVD.
 *
 * <p>With A = Q_A R_A and B^T = Q_B R_B (thin QR), A B = Q_A (R_A R_B^T) Q_B^T, so the SVD of the r x r core
 * C = R_A R_B^T = U_c S V_c^T gives the SVD of A B: (Q_A U_c) S (Q_B V_c)^T, and the truncation is exact. The
 * orthogonal factors are never formed: R_A and R_B are the Cholesky factors of A^T A and B B^T (Gram products in
 * float64 on the device), and A' = A R_A^-1 U_c' S'^(1/2), B' = S'^(1/2) V_c'^T R_B^-T B are two device products
 * with r x r' matrices.
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
            SmallMatrix.Svd svd = core.c.svd();
            Spectrum spectrum = new Spectrum(svd.s());
            SmallMatrix toA = core.rA.inverseUpper()
                    .times(svd.u().leadingColumns(newRank).scaleColumns(spectrum.leftScales(newRank, split)));
            SmallMatrix toBt = core.rB.inverseUpper()
                    .times(svd.vt().transpose().leadingColumns(newRank).scaleColumns(spectrum.rightScales(newRank, split)));
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
            return new Spectrum(core.c.singularValues()).kept(a.cols());
        }
    }

    /** R_A and R_B (upper, A^T A = R_A^T R_A, B B^T = R_B^T R_B) and the core C = R_A R_B^T. */
    private record Core(SmallMatrix rA, SmallMatrix rB, SmallMatrix c) {
        static Core of(NDArray a64, NDArray bT64) {
            SmallMatrix rA = Tensors.gram(a64).choleskyUpper();
            SmallMatrix rB = Tensors.gram(bT64).choleskyUpper();
            return new Core(rA, rB, rA.timesTranspose(rB));
        }
    }
}
