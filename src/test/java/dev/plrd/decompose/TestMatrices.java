package dev.plrd.decompose;

import java.util.Random;

/** Test matrices with a known spectrum, and float64 reference arithmetic independent of the kernels. */
final class TestMatrices {
    private TestMatrices() {
    }

    /** s_i = scale * (i + 1)^-exponent. */
    static double[] powerLaw(int count, double scale, double exponent) {
        double[] s = new double[count];
        for (int i = 0; i < count; i++) {
            s[i] = scale * Math.pow(i + 1, -exponent);
        }
        return s;
    }

    /**
     * W = U diag(s) V^T rounded to float32, with U (rows x p) and V (cols x p), p = s.length, random with
     * orthonormal columns: Gaussian vectors orthonormalized in float64 by Gram-Schmidt, twice ("twice is enough").
     */
    static Matrix withSpectrum(int rows, int cols, double[] s, long seed) {
        Random random = new Random(seed);
        double[][] u = orthonormalColumns(rows, s.length, random);
        double[][] v = orthonormalColumns(cols, s.length, random);
        double[] w = new double[rows * cols];
        for (int p = 0; p < s.length; p++) {  // sum of rank-one terms s_p u_p v_p^T, rows of w contiguous
            for (int i = 0; i < rows; i++) {
                double c = s[p] * u[p][i];
                for (int j = 0; j < cols; j++) {
                    w[i * cols + j] += c * v[p][j];
                }
            }
        }
        return toFloat(rows, cols, w);
    }

    /** count vectors of the given length, orthonormal. */
    private static double[][] orthonormalColumns(int length, int count, Random random) {
        double[][] q = new double[count][length];
        for (int c = 0; c < count; c++) {
            for (int i = 0; i < length; i++) {
                q[c][i] = random.nextGaussian();
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < c; p++) {
                    double dot = 0;
                    for (int i = 0; i < length; i++) {
                        dot += q[p][i] * q[c][i];
                    }
                    for (int i = 0; i < length; i++) {
                        q[c][i] -= dot * q[p][i];
                    }
                }
            }
            double norm = 0;
            for (int i = 0; i < length; i++) {
                norm += q[c][i] * q[c][i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < length; i++) {
                q[c][i] /= norm;
            }
        }
        return q;
    }

    static Matrix gaussian(int rows, int cols, long seed) {
        Random random = new Random(seed);
        float[] g = new float[rows * cols];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) random.nextGaussian();
        }
        return new Matrix(rows, cols, g);
    }

    /** a b in float64, row-major. */
    static double[] product(Matrix a, Matrix b) {
        int m = a.rows();
        int r = a.cols();
        int n = b.cols();
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < r; p++) {
                double aip = a.data()[i * r + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aip * b.data()[p * n + j];
                }
            }
        }
        return c;
    }

    static Matrix toFloat(int rows, int cols, double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return new Matrix(rows, cols, f);
    }

    /** ||x - y||_F. */
    static double distance(double[] x, double[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - y[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    static double[] toDouble(Matrix m) {
        double[] d = new double[m.data().length];
        for (int i = 0; i < d.length; i++) {
            d[i] = m.data()[i];
        }
        return d;
    }

    static double norm(double[] x) {
        return distance(x, new double[x.length]);
    }

    /** sqrt(sum_{i >= rank} s_i^2 / sum s_i^2): the Eckart-Young optimum. */
    static double optimalError(double[] s, int rank) {
        double dropped = 0;
        double total = 0;
        for (int i = 0; i < s.length; i++) {
            total += s[i] * s[i];
            if (i >= rank) {
                dropped += s[i] * s[i];
            }
        }
        return Math.sqrt(dropped / total);
    }
}
