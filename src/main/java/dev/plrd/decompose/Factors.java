package dev.plrd.decompose;

/**
 * A rank-r factorisation input ~ a * b.
 *
 * @param a               rows x rank
 * @param b               rank x cols
 * @param singularValues  the kept singular values, largest first (length rank)
 * @param relativeError   ||input - a b||_F / ||input||_F, where the input is W, or the product of the pair
 *                        that was re-truncated; 0 for a zero input
 */
public record Factors(Matrix a, Matrix b, float[] singularValues, double relativeError) {
    public Factors {
        if (a.cols() != b.rows() || a.cols() != singularValues.length) {
            throw new IllegalArgumentException("factors " + a.shape() + " and " + b.shape() + " with "
                    + singularValues.length + " singular values do not share one rank");
        }
    }

    /** The factors of a zero input: zero matrices, zero singular values, no error. */
    static Factors zero(int rows, int cols, int rank) {
        return new Factors(new Matrix(rows, rank, new float[rows * rank]), new Matrix(rank, cols, new float[rank * cols]),
                new float[rank], 0);
    }

    public int rank() {
        return singularValues.length;
    }

    @Override
    public String toString() {
        return "Factors[a=" + a.shape() + ", b=" + b.shape() + ", relativeError=" + relativeError + "]";
    }
}
