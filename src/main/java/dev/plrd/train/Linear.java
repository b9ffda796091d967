package dev.plrd.train;

import ai.djl.ndarray.NDArray;

/**
 * A bias-free linear layer of a decoder: {@code [..., in] -> [..., out]}, computed in the type of its input. Its
 * weights are float32 masters; for a float16 input each is cast to float16 inside the graph, and the gradient
 * comes back to the master as float32.
 */
sealed interface Linear permits DenseLinear, LowRankLinear {
    NDArray forward(NDArray x);
}
