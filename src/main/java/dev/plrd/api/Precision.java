package dev.plrd.api;

public enum Precision {
    /** bfloat16 compute with float32 master weights and optimizer state. */
    Mixed,
    /** bfloat16 everywhere, for when memory is short. */
    BFloat16,
    /** float32 everywhere (what CPU training uses). */
    Float32
}
