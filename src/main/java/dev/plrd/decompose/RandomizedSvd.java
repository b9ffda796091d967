package dev.plrd.decompose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.SplittableRandom;

/**
 * Randomized truncated SVD (Halko, Martinsson and Tropp 2011: randomized range finder with subspace iteration).
 *
 * <p>The products with W, which carry almost all of the work, run through DJL, on a GPU where DJL has one. The
 * basis is kept on the smaller side of W (min(m, n) x k, k = rank + oversampling) and orthonormalized through its
 * k x k Gram matrix (CholeskyQR: the Gram product on the device in float64, the Cholesky factor on the CPU), never
 * by a QR of a tall matrix; the final SVD comes from a k x k eigenproblem. The returned relativeError is exact.
 */
public final class RandomizedSvd {
    /**
     * The 1-norm condition number of M M^T q above which the power iteration orthonormalizes after both products.
     * It overestimates the 2-norm one some 20-fold. Measured at 4096 x 4096 and 512 x 384: up to 4e7
     * (s_i = (i + 1)^-1) one-sided orthonormalization gave the same errors as two-sided; at 8e9 (s_i = (i + 1)^-2)
     * it was 0.3% worse, at 2e10 (s_i = e^(-i/10)) 27% worse.
     */
    private static final double CONDITION_LIMIT = 1e8;

    private RandomizedSvd() {
    }

    /**
     * @param oversampling    extra random directions beyond the rank (k = rank + oversampling)
     * @param powerIterations passes of W W^T over the basis; each costs two products with W and sharpens the
     *                        spectrum the basis sees from s_i to s_i^(2q+1)
     * @param seed            of the Gaussian test matrix: the same seed gives the same factors
     */
    public record Settings(int oversampling, int powerIterations, long seed) {
        /**
         * Chosen by measurement (DecompositionBench: rank 1024, s_i = (i + 1)^-0.5): 0.9% above the optimal error,
         * in about 1/3.5 (4096 x 4096) and 1/3 (14336 x 4096) of ExactSvd's time. q = 2 is 2.3% above, q = 3 with
         * p = 10 1.2%; p = 10, q = 4 is 0.7% above at about the same time.
         */
        public static final Settings DEFAULT = new Settings(64, 3, 0x504C5244L);

        public Settings {
            if (oversampling < 0 || powerIterations < 0) {
                throw new IllegalArgumentException("oversampling " + oversampling + " and power iterations "
                        + powerIterations + " must not be negative");
            }
        }
    }

    /** A rank-rank approximation of w, near the best one, split into A B as split says. */
    public static Factors truncate(Matrix w, int rank, Split split, Settings settings) {
        Checks.rank(w, rank);
        double norm2 = Checks.finiteNormSquared(w, "W");
        if (norm2 == 0) {
            return Factors.zero(w.rows(), w.cols(), rank);
        }
        int k = Math.min(rank + settings.oversampling(), w.minDimension());
        // M is W or, when W is tall, W^T: M is small x big, and the basis lives on its small side
        boolean tall = w.rows() > w.cols();
        try (Tensors t = new Tensors()) {
            NDArray wd = t.upload(w);
            NDArray m = tall ? wd.transpose() : wd;
            NDArray mT = tall ? wd : wd.transpose();
            NDArray q;
            try (NDArray omega = t.upload(gaussian(Math.max(w.rows(), w.cols()), k, settings.seed()));
                    NDArray y = m.matMul(omega)) {
                q = orthonormalize(t, y).q;
            }
            // Only the small-side basis is orthonormalized, once per iteration: with q orthonormal, M^T q has a
            // condition number of at most s_1/s_k and M M^T q about its square. While float32 still resolves that
            // square, the errors equal those of orthonormalizing after every product (Halko's Algorithm 4.4) at
            // half the cost; past CONDITION_LIMIT the iteration is redone, and continued, orthonormalizing both.
            boolean bothSides = false;
            for (int i = 0; i < settings.powerIterations(); i++) {
                try (NDArray z = mT.matMul(q)) {
                    Basis next = powerStep(t, m, z, bothSides);
                    if (!bothSides && next.condition > CONDITION_LIMIT) {
                        next.q.close();
                        bothSides = true;
                        next = powerStep(t, m, z, true);
                    }
                    q.close();
                    q = next.q;
                }
            }
            return finish(t, wd, tall, q, rank, split, norm2);
        }
    }

    /**
     * The last step, from a nearly orthonormal basis q1 (small x k) of M's dominant range. One more CholeskyQR pass
     * Q = q1 T (T = R^-1, q1^T q1 = R^T R) is applied only implicitly, through k x k matrices; Q is orthonormal to
     * float64 rounding. The product Z = M^T q1 is the one pass with W in float64, so that Z, and through it the
     * singular values, the factors and the error, are exact for the float32 data.
     */
    private static Factors finish(Tensors t, NDArray wd, boolean tall, NDArray q1, int rank, Split split, double norm2) {
        SmallMatrix g1 = Tensors.gram(q1);
        SmallMatrix tq = g1.choleskyUpper().inverseUpper();                 // T: Q = q1 T
        NDArray z;
        try (NDArray q64 = q1.toType(DataType.FLOAT64, false); NDArray w64 = wd.toType(DataType.FLOAT64, false);
                NDArray w64T = w64.transpose()) {
            z = (tall ? w64 : w64T).matMul(q64);                          // M^T q1: big x k
        }
        SmallMatrix gz = Tensors.gram(z);
        // Q^T M M^T Q = U diag(s^2) U^T: Q U are M's small-side singular vectors, Z T U diag(1/s) the big-side ones
        SmallMatrix.Eigen eigen = tq.transposeTimes(gz).times(tq).symmetricEigen();
        double[] s = new double[eigen.values().length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.sqrt(Math.max(eigen.values()[i], 0));   // rounding can leave a null direction slightly negative
        }
        Spectrum spectrum = new Spectrum(s);
        // W = A B: A carries left(s), B right(s); when M = W^T the small side is W's right side
        double[] smallScale = tall ? spectrum.rightScales(rank, split) : spectrum.leftScales(rank, split);
        double[] bigScale = tall ? spectrum.leftScales(rank, split) : spectrum.rightScales(rank, split);
        for (int i = 0; i < rank; i++) {
            bigScale[i] = s[i] > 0 ? bigScale[i] / s[i] : 0;             // a null direction contributes nothing
        }
        SmallMatrix tu = tq.times(eigen.vectors().leadingColumns(rank));    // q1 T U are the small-side vectors
        SmallMatrix toSmall = tu.scaleColumns(smallScale);                 // small-side factor q1 toSmall
        SmallMatrix toBig = tu.scaleColumns(bigScale);                     // big-side factor Z toBig
        // ||M - L R^T||^2 = ||M||^2 - 2 <L^T M, R^T> + <L^T L, R^T R> with L = q1 toSmall, R = Z toBig, L^T M =
        // toSmall^T Z^T, L^T L = toSmall^T g1 toSmall, R^T R = toBig^T gz toBig: exact at k x k cost for L and R in
        // exact arithmetic; the factors returned differ from those by float32 rounding, about 1e-7 in the error.
        // (All CPU work comes before the device products, so that OpenBLAS's spinning threads delay only one.)
        SmallMatrix gzBig = gz.times(toBig);
        double cross = toSmall.dot(gzBig);
        double square = toSmall.transposeTimes(g1).times(toSmall).dot(toBig.transposeTimes(gzBig));
        double error = Math.sqrt(Math.max(norm2 - 2 * cross + square, 0) / norm2);
        Matrix smallFactor;
        Matrix bigFactor;
        // float32 products: in float64 the big side took twice as long, mostly allocating (page faults)
        try (NDArray z32 = z.toType(DataType.FLOAT32, false); NDArray sd = t.times(q1, toSmall);
                NDArray bd = t.times(z32, toBig)) {
            smallFactor = Tensors.download(sd);
            bigFactor = Tensors.download(bd);
        }
        return tall ? new Factors(bigFactor, smallFactor.transpose(), spectrum.kept(rank), error)
                : new Factors(smallFactor, bigFactor.transpose(), spectrum.kept(rank), error);
    }

    /** The orthonormalized range of M z, with z orthonormalized first when asked. */
    private static Basis powerStep(Tensors t, NDArray m, NDArray z, boolean orthonormalizeZ) {
        if (!orthonormalizeZ) {
            try (NDArray y = m.matMul(z)) {
                return orthonormalize(t, y);
            }
        }
        NDArray zq = orthonormalize(t, z).q;
        try (zq; NDArray y = m.matMul(zq)) {
            return orthonormalize(t, y);
        }
    }

    /**
     * One CholeskyQR pass, y R^-1 with y^T y = R^T R: y's float32 rounding bounds how orthonormal the result is
     * (about 1e-7 times y's condition number), which is all a basis for the next product needs; the final basis
     * gets a second, implicit pass in {@link #finish}. Also returns y's condition number, as the 1-norm one of R.
     */
    private static Basis orthonormalize(Tensors t, NDArray y) {
        SmallMatrix r = Tensors.gram(y).choleskyUpper();
        SmallMatrix inverse = r.inverseUpper();
        return new Basis(t.times(y, inverse), r.norm1() * inverse.norm1());
    }

    private record Basis(NDArray q, double condition) {
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
