package dev.plrd.train;

import ai.djl.ndarray.NDArray;

/**
 * A factored linear {@code A(B(x))}, A [out, r] and B [r, in] (see {@code LlamaLayout}). The product A B is never
 * formed: two thin matmuls cost r (in + out) per token instead of in * out, which is the point of the factoring,
 * and the gradients reach A and B directly.
 */
record LowRankLinear(NDArray a, NDArray b) implements Linear {
    @Override
    public NDArray forward(NDArray x) {
        return x.matMul(Casts.to(b, x.getDataType()).transpose()).matMul(Casts.to(a, x.getDataType()).transpose());
    }
}
