package dev.plrd.api;

/**
 * Numeric precision of training on a GPU (a CPU trains in float32). There is no bfloat16 mode:
 * DJL 0.36's PyTorch engine has no bfloat16 tensors (its dtype mapping aborts the process), so
 * half precision is float16 with dynamic loss scaling.
 */
public enum Precision {
    /** float16 compute with float32 master weights and optimizer state, dynamic loss scaling. */
    Mixed,
    /** float32 everywhere (what CPU training uses). */
    Float32
}
