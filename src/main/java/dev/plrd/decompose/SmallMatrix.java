package dev.plrd.decompose;

import java.util.Arrays;

/**
 * A small dense float64 matrix on the CPU, row-major: the k x k (k = rank + oversampling, or the rank) side of
 * the kernels, where LAPACK factorizes. Large operands stay on the device ({@link Tensors}).
 */
record SmallMatrix(int rows, int cols, double[] data) {
    /** Unit roundoff of float64. */
    private static final double EPS = 0x1p-53;
    /** How fast the Cholesky shift grows when the previous one was too small. */
    private static final double SHIFT_GROWTH = 100;

    SmallMatrix {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException(rows + " x " + cols + " needs " + (long) rows * cols + " values, got " + data.length);
        }
    }

    float[] toFloat() {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) data[i];
        }
        return f;
    }

    double get(int row, int col) {
        return data[row * cols + col];
    }

    /** this * other. */
    SmallMatrix times(SmallMatrix other) {
        return product(false, other, false);
    }

    /** this^T * other. */
    SmallMatrix transposeTimes(SmallMatrix other) {
        return product(true, other, false);
    }

    /** this * other^T. */
    SmallMatrix timesTranspose(SmallMatrix other) {
        return product(false, other, true);
    }

    private SmallMatrix product(boolean transThis, SmallMatrix other, boolean transOther) {
        int m = transThis ? cols : rows;
        int inner = transThis ? rows : cols;
        int n = transOther ? other.rows : other.cols;
        if (inner != (transOther ? other.cols : other.rows)) {
            throw new IllegalArgumentException("cannot multiply " + rows + " x " + cols + (transThis ? " (transposed)" : "")
                    + " by " + other.rows + " x " + other.cols + (transOther ? " (transposed)" : ""));
        }
        double[] c = new double[m * n];
        Lapack.dgemm(transThis, transOther, m, n, inner, data, other.data, c);
        return new SmallMatrix(m, n, c);
    }

    /** The first count columns. */
    SmallMatrix leadingColumns(int count) {
        double[] c = new double[rows * count];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(data, i * cols, c, i * count, count);
        }
        return new SmallMatrix(rows, count, c);
    }

    /** Column j multiplied by scale[j]. */
    SmallMatrix scaleColumns(double[] scale) {
        double[] c = data.clone();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                c[i * cols + j] *= scale[j];
            }
        }
        return new SmallMatrix(rows, cols, c);
    }

    double trace() {
        double t = 0;
        for (int i = 0; i < Math.min(rows, cols); i++) {
            t += get(i, i);
        }
        return t;
    }

    /** The largest column sum of absolute values. */
    double norm1() {
        double[] sums = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                sums[j] += Math.abs(data[i * cols + j]);
            }
        }
        return Arrays.stream(sums).max().orElse(0);
    }

    /** Frobenius inner product sum_ij this_ij other_ij. */
    double dot(SmallMatrix other) {
        double sum = 0;
        for (int i = 0; i < data.length; i++) {
            sum += data[i] * other.data[i];
        }
        return sum;
    }

    /**
     * Upper triangular R with R^T R = this + shift I, for a symmetric positive semi-definite Gram matrix with a
     * positive trace. The shift is 0 when this is numerically positive definite, so well-conditioned input is
     * factored exactly. Rounding can leave the Gram matrix of a rank-deficient matrix slightly indefinite; then the
     * smallest shift from eps * trace upwards (by factors of 100) that makes the factorization succeed is used:
     * it only lifts directions at the rounding level, which carry no information.
     */
    SmallMatrix choleskyUpper() {
        double trace = trace();
        if (!(trace > 0) || Double.isInfinite(trace)) {
            throw new ArithmeticException("a Gram matrix with trace " + trace + " has no Cholesky factor");
        }
        for (double shift = 0; shift <= trace; shift = shift == 0 ? EPS * trace : shift * SHIFT_GROWTH) {
            double[] r = data.clone();
            for (int i = 0; i < rows; i++) {
                r[i * cols + i] += shift;
            }
            if (Lapack.dpotrf(rows, r)) {
                for (int i = 1; i < rows; i++) {
                    Arrays.fill(r, i * cols, i * cols + i, 0.0);
                }
                return new SmallMatrix(rows, cols, r);
            }
        }
        throw new ArithmeticException("no Cholesky factor of a " + rows + " x " + cols + " Gram matrix even with a shift of its trace");
    }

    /** Inverse of this upper triangular matrix. */
    SmallMatrix inverseUpper() {
        double[] r = data.clone();
        Lapack.dtrtri(rows, r);
        return new SmallMatrix(rows, cols, r);
    }

    /** Eigen-decomposition of this symmetric matrix, largest eigenvalue first. */
    Eigen symmetricEigen() {
        int k = rows;
        double[] vectors = data.clone();
        double[] ascending = new double[k];
        Lapack.dsyevd('V', k, vectors, ascending);
        double[] values = new double[k];
        double[] sorted = new double[k * k];
        for (int j = 0; j < k; j++) {
            values[j] = ascending[k - 1 - j];
            for (int i = 0; i < k; i++) {
                sorted[i * k + j] = vectors[i * k + k - 1 - j];
            }
        }
        return new Eigen(values, new SmallMatrix(k, k, sorted));
    }

    /** Eigenvalues of this symmetric matrix, largest first. */
    double[] symmetricEigenvalues() {
        double[] ascending = new double[rows];
        Lapack.dsyevd('N', rows, data.clone(), ascending);
        double[] values = new double[rows];
        for (int j = 0; j < rows; j++) {
            values[j] = ascending[rows - 1 - j];
        }
        return values;
    }

    record Eigen(double[] values, SmallMatrix vectors) {
    }
}
