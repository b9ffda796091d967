package dev.plrd.train;

import ai.djl.ndarray.NDArray;

/** A bias-free linear layer of a decoder: {@code [..., in] -> [..., out]}. */
sealed interface Linear permits DenseLinear, LowRankLinear {
    NDArray forward(NDArray x);
}
