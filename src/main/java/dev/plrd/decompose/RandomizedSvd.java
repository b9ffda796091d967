package dev.plrd.decompose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.SplittableRandom;

/**
 * Randomized truncated SVD (Halko, Martinsson and Tropp 2011, Algorithm 4.4: randomized subspace iteration).
 *
 * <p>The products with W (m x n), which carry almost all of the work, run through DJL, on a GPU where DJL has one.
 * Tall bases (m x k or n x k, k = rank + oversampling) are orthonormalized through their k x k Gram matrix
 * (CholeskyQR: the Gram product on the device in float64, the Cholesky factor on the CPU), never by a QR of the tall
 * matrix; the final SVD comes from the k x k matrix Q^T W W^T Q.
 */
public final class RandomizedSvd {
    private RandomizedSvd() {
    }

    /**
     * @param oversampling    extra random directions beyond the rank (k = rank + oversampling)
     * @param powerIterations passes of W W^T over the basis; each costs two products with W and sharpens the
     *                        spectrum the basis sees from s_i to s_i^(2q+1)
     * @param seed            of the Gaussian test matrix: the same seed gives the same factors
     */
    public record Settings(int oversampling, int powerIterations, long seed) {
        /** Chosen by measurement at rank 1024 on 4096 x 4096 and 14336 x 4096 (see DecompositionBench). */
        public static final Settings DEFAULT = new Settings(10, 2, 0x504C5244L);

        public Settings {
            if (oversampling < 0 || powerIterations < 0) {
                throw new IllegalArgumentException("oversampling " + oversampling + " and power iterations "
                        + powerIterations + " must not be negative");
            }
        }
    }

    public static Factors truncate(Matrix w, int rank, Split split, Settings settings) {
        Checks.rank(w, rank);
        double norm2 = Checks.finiteNormSquared(w, "W");
        if (norm2 == 0) {
            return Factors.zero(w.rows(), w.cols(), rank);
        }
        int k = Math.min(rank + settings.oversampling(), w.minDimension());
        try (Tensors t = new Tensors()) {
            NDArray wd = t.upload(w);
            NDArray wdT = wd.transpose();
            NDArray omega = t.upload(gaussian(w.cols(), k, settings.seed()));
            NDArray q = rangeStep(t, wd, omega);
            omega.close();
            for (int i = 0; i < settings.powerIterations(); i++) {
                // orthonormalizing after every product, not only after W W^T, keeps the float32 basis well
                // conditioned: its weak directions would otherwise fall below float32 rounding (Halko 4.5)
                NDArray z = rangeStep(t, wdT, q);
                q.close();
                q = rangeStep(t, wd, z);
                z.close();
            }
            return finish(t, wd, q, rank, split, norm2);
        }
    }

    /**
     * The last step, from a nearly orthonormal basis q1 (m x k) of W's dominant range. One more CholeskyQR pass
     * Q = q1 T (T = R^-1, q1^T q1 = R^T R) is applied only implicitly, through k x k matrices; Q is orthonormal to
     * float64 rounding. The product Z = W^T q1 is the one pass with W in float64, so that Z, and through it the
     * singular values, B and the error, are exact for the float32 data.
     */
    private static Factors finish(Tensors t, NDArray wd, NDArray q1, int rank, Split split, double norm2) {
        SmallMatrix g1 = Tensors.gram(q1);
        SmallMatrix tInv = g1.choleskyUpper().inverseUpper();
        NDArray q64 = q1.toType(DataType.FLOAT64, false);
        NDArray z;
        try (NDArray w64 = wd.toType(DataType.FLOAT64, false); NDArray w64T = w64.transpose()) {
            z = w64T.matMul(q64);                                     // n x k
        }
        SmallMatrix gz = Tensors.gram(z);
        // Q^T W W^T Q = U diag(s^2) U^T: U rotates Q onto W's left singular vectors; the right ones are
        // W^T Q U diag(1/s)
        SmallMatrix.Eigen eigen = tInv.transposeTimes(gz).times(tInv).symmetricEigen();
        double[] s = new double[eigen.values().length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.sqrt(Math.max(eigen.values()[i], 0));   // rounding can leave a null direction slightly negative
        }
        Spectrum spectrum = new Spectrum(s);
        double[] toB = spectrum.rightScales(rank, split);
        for (int i = 0; i < rank; i++) {
            toB[i] = s[i] > 0 ? toB[i] / s[i] : 0;                  // a null direction contributes nothing
        }
        SmallMatrix tu = tInv.times(eigen.vectors().leadingColumns(rank));
        SmallMatrix toA = tu.scaleColumns(spectrum.leftScales(rank, split));  // A = q1 toA
        SmallMatrix toBt = tu.scaleColumns(toB);                              // B^T = Z toBt
        Matrix a;
        Matrix b;
        try (NDArray ad = t.times(q64, toA); NDArray btd = t.times(z, toBt)) {
            a = Tensors.download(ad);
            b = Tensors.download(btd).transpose();
        }
        // ||W - A B||^2 = ||W||^2 - 2 <A^T W, B> + <A^T A, B B^T> with A^T W = toA^T Z^T, A^T A = toA^T g1 toA and
        // B B^T = toBt^T gz toBt: exact for A and B as computed in float64, before their rounding to float32
        // (which moves the relative error by about 1e-7), at k x k cost
        double cross = toA.dot(gz.times(toBt));
        double square = toA.transposeTimes(g1).times(toA).dot(toBt.transposeTimes(gz).times(toBt));
        double error = Math.sqrt(Math.max(norm2 - 2 * cross + square, 0) / norm2);
        return new Factors(a, b, spectrum.kept(rank), error);
    }

    /** An orthonormalized basis of the range of op * basis. */
    private static NDArray rangeStep(Tensors t, NDArray op, NDArray basis) {
        try (NDArray y = op.matMul(basis)) {
            return orthonormalize(t, y);
        }
    }

    /**
     * One CholeskyQR pass, y R^-1 with y^T y = R^T R: y's float32 rounding bounds how orthonormal the result is
     * (about 1e-7 times y's condition number), which is all a basis for the next product needs; the final basis
     * gets a second, implicit pass in {@link #finish}.
     */
    private static NDArray orthonormalize(Tensors t, NDArray y) {
        return t.times(y, Tensors.gram(y).choleskyUpper().inverseUpper());
    }

    /** Gaussian test matrix, rows x cols, generated on the CPU so that a seed gives the same matrix on any device. */
    private static Matrix gaussian(int rows, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] g = new float[rows * cols];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) random.nextGaussian();
        }
        return new Matrix(rows, cols, g);
    }
}
