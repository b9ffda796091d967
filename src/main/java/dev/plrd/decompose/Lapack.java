package dev.plrd.decompose;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;

/**
 * The native LAPACK/BLAS: the OpenBLAS bundled by org.bytedeco:openblas, loaded once. Every call into it
 * goes through this class.
 *
 * <p>There is deliberately no pure-Java fallback: one is 17-70x slower (NUMERICS.md), so a missing native
 * library is an error, not a silent slowdown. Calls are serialized: each may use every processor, and OpenBLAS's
 * thread count is global state.
 */
public final class Lapack {
    private static final int PROCESSORS = Runtime.getRuntime().availableProcessors();
    private static volatile String implementation;

    private Lapack() {
    }

    /**
     * Loads OpenBLAS if needed and describes it, e.g. "OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY Cooperlake
     * MAX_THREADS=64, 2 threads", for the log line that says which implementation runs.
     *
     * @throws IllegalStateException if the native library cannot be loaded on this platform
     */
    public static String implementation() {
        String loaded = implementation;
        if (loaded == null) {
            synchronized (Lapack.class) {
                if (implementation == null) {
                    implementation = load();
                }
                loaded = implementation;
            }
        }
        return loaded;
    }

    private static String load() {
        try {
            Loader.load(openblas_full.class);
        } catch (LinkageError | RuntimeException e) {
            throw new IllegalStateException("cannot load the OpenBLAS native library bundled by org.bytedeco:openblas for platform "
                    + Loader.getPlatform() + " (is the linux-x86_64 classifier jar on the classpath?); the decomposition "
                    + "kernels have no pure-Java fallback: " + e, e);
        }
        useThreads(PROCESSORS);
        return openblas_full.openblas_get_config().getString().trim() + ", " + openblas_full.openblas_get_num_threads()
                + " threads";
    }

    /**
     * One thread per processor this JVM may use: more threads than cores spin against each other and slowed BLAS
     * 2-20x under contention (NUMERICS.md section 2). The Cholesky factor and its inverse, which sit between two
     * device products in every iteration of the randomized SVD, run on one thread: after a multi-threaded call
     * OpenBLAS's workers keep spinning (up to about 75 ms) and took the cores from DJL's next product, which ran up
     * to twice as long.
     */
    private static void useThreads(int count) {
        if (openblas_full.openblas_get_num_threads() != count) {
            openblas_full.openblas_set_num_threads(count);
        }
    }

    /**
     * sgesdd on a column-major m x n matrix with m >= n (the tall orientation: LAPACK's QR path, twice as fast as
     * the LQ path a wide matrix takes). a is destroyed. jobz 'S' fills u (m x n) and vt (n x n), column-major;
     * jobz 'N' computes the values only (u and vt unused).
     */
    static synchronized void sgesdd(char jobz, int m, int n, float[] a, float[] s, float[] u, float[] vt) {
        implementation();
        useThreads(PROCESSORS);
        boolean vectors = jobz == 'S';
        int info = openblas_full.LAPACKE_sgesdd(openblas_full.LAPACK_COL_MAJOR, (byte) jobz, m, n, a, m, s,
                vectors ? u : new float[1], vectors ? m : 1, vectors ? vt : new float[1], vectors ? n : 1);
        check("sgesdd", info, m + " x " + n);
    }

    /**
     * Cholesky factor of a symmetric positive definite k x k matrix, in place: the upper triangle of the row-major
     * array becomes R with g = R^T R (the strict lower triangle keeps its old values).
     *
     * <p>A symmetric row-major array is also its column-major self, and the column-major lower factor L (g = L L^T)
     * read row-major is R = L^T; so LAPACK works on its native layout and LAPACKE makes no transposed copies.
     *
     * @return false if g is not numerically positive definite
     */
    static synchronized boolean dpotrf(int k, double[] g) {
        implementation();
        useThreads(1);
        int info = openblas_full.LAPACKE_dpotrf(openblas_full.LAPACK_COL_MAJOR, (byte) 'L', k, g, k);
        if (info > 0) {
            return false;
        }
        check("dpotrf", info, k + " x " + k);
        return true;
    }

    /**
     * Inverse of an upper triangular k x k matrix, row-major, in place (the strict lower triangle is not read):
     * read column-major it is the lower triangular R^T, whose inverse read row-major is R^-1.
     */
    static synchronized void dtrtri(int k, double[] r) {
        implementation();
        useThreads(1);
        check("dtrtri", openblas_full.LAPACKE_dtrtri(openblas_full.LAPACK_COL_MAJOR, (byte) 'L', (byte) 'N', k, r, k),
                k + " x " + k);
    }

    /**
     * Eigenvalues (ascending, into w) of a symmetric k x k matrix, destroyed; with jobz 'V' also the eigenvectors,
     * as the columns of a (row-major), with 'N' values only.
     */
    static synchronized void dsyevd(char jobz, int k, double[] a, double[] w) {
        implementation();
        useThreads(PROCESSORS);
        check("dsyevd", openblas_full.LAPACKE_dsyevd(openblas_full.LAPACK_ROW_MAJOR, (byte) jobz, (byte) 'U', k, a, k, w),
                k + " x " + k);
    }

    /** c = op(a) op(b), all row-major; op(a) is m x kk, op(b) is kk x n. */
    static synchronized void dgemm(boolean transA, boolean transB, int m, int n, int kk, double[] a, double[] b, double[] c) {
        implementation();
        useThreads(PROCESSORS);
        openblas_full.cblas_dgemm(openblas_full.CblasRowMajor,
                transA ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                transB ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                m, n, kk, 1.0, a, transA ? m : kk, b, transB ? kk : n, 0.0, c, n);
    }

    private static void check(String routine, int info, String shape) {
        if (info < 0) {
            throw new IllegalStateException("LAPACK " + routine + " rejected argument " + (-info) + " for a " + shape + " matrix");
        }
        if (info > 0) {
            throw new ArithmeticException("LAPACK " + routine + " failed on a " + shape + " matrix (info " + info
                    + ": no convergence, or a singular matrix)");
        }
    }
}
