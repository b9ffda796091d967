package dev.plrd.api;

public enum RankAllocation {
    /** One rank fraction for every factored matrix. */
    Uniform,
    /** Ranks from each matrix's singular values, balancing kept energy at the same budget. */
    Spectrum
}
