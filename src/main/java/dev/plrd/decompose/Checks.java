package dev.plrd.decompose;

/** Argument checks shared by the kernels; messages name the dimensions. */
final class Checks {
    private Checks() {
    }

    static void rank(Matrix w, int rank) {
        if (rank < 1 || rank > w.minDimension()) {
            throw new IllegalArgumentException("rank " + rank + " for a " + w.shape() + " matrix: must be in 1.."
                    + w.minDimension());
        }
    }

    /** ||m||_F^2, rejecting NaN and infinite entries, which would otherwise come back as silent garbage. */
    static double finiteNormSquared(Matrix m, String name) {
        double norm2 = m.frobeniusNormSquared();
        if (!Double.isFinite(norm2)) {
            throw new IllegalArgumentException(name + " (" + m.shape() + ") contains NaN or infinite values");
        }
        return norm2;
    }

    /** A factored pair a (out x r) b (r x in) with r <= min(out, in). */
    static void pair(Matrix a, Matrix b) {
        if (a.cols() != b.rows()) {
            throw new IllegalArgumentException("factors " + a.shape() + " and " + b.shape()
                    + " do not chain: a's columns must equal b's rows");
        }
        int r = a.cols();
        if (r > Math.min(a.rows(), b.cols())) {
            throw new IllegalArgumentException("a pair of rank " + r + " for a " + a.rows() + " x " + b.cols()
                    + " product: the rank must not exceed " + Math.min(a.rows(), b.cols()));
        }
    }

    /** A new rank for the pair a b: 1 <= newRank < r. */
    static void newRank(Matrix a, Matrix b, int newRank) {
        int r = a.cols();
        if (newRank < 1 || newRank >= r) {
            throw new IllegalArgumentException("new rank " + newRank + " for a pair of rank " + r + " (" + a.shape()
                    + " times " + b.shape() + "): must be in 1.." + (r - 1));
        }
    }
}
