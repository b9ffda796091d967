package dev.plrd.train;

import ai.djl.ndarray.NDArray;

/** nn.Linear without bias: {@code x W^T}, W stored [out, in] as Hugging Face stores it. */
record DenseLinear(NDArray weight) implements Linear {
    @Override
    public NDArray forward(NDArray x) {
        return x.matMul(Casts.to(weight, x.getDataType()).transpose());
    }
}
