package dev.plrd.train;

import ai.djl.ndarray.NDArray;

/**
 * Llama's RMSNorm: {@code x / sqrt(mean(x^2) + eps) * w}, without the mean subtraction or bias of LayerNorm.
 *
 * @param eps a {@link PersistentArrays#scalar}
 */
record RmsNorm(NDArray weight, NDArray eps) {
    NDArray forward(NDArray x) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true);
        return x.div(meanSquare.add(eps).sqrt()).mul(weight);
    }
}
