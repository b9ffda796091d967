package dev.plrd.decompose;

/** Where the singular values go when a truncated SVD U S V^T becomes the pair A B. */
public enum Split {
    /** A = U S^(1/2), B = S^(1/2) V^T: both factors carry the same scale, which suits training both. */
    BALANCED,
    /** A = U S, B = V^T. */
    LEFT,
    /** A = U, B = S V^T. */
    RIGHT;

    /** The scale of A's column for a singular value sigma. */
    double left(double sigma) {
        return switch (this) {
            case BALANCED -> Math.sqrt(sigma);
            case LEFT -> sigma;
            case RIGHT -> 1;
        };
    }

    /** The scale of B's row for a singular value sigma; left(sigma) * right(sigma) == sigma. */
    double right(double sigma) {
        return switch (this) {
            case BALANCED -> Math.sqrt(sigma);
            case LEFT -> 1;
            case RIGHT -> sigma;
        };
    }
}
