package dev.plrd.api;

/** Where the singular values go in W ~ A*B. */
public enum FactorSplit {
    /** A = U S^(1/2), B = S^(1/2) V^T. */
    Balanced,
    /** A = U S, B = V^T. */
    Left,
    /** A = U, B = S V^T. */
    Right
}
