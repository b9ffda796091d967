package dev.plrd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays a model keeps across calls: weights, position tables and the constants of the forward. Constants are
 * arrays rather than {@code Number} operands because DJL frees the buffer behind a Number operand as soon as the
 * op returns, while autograd may keep that operand for the backward pass (x.mul(2f) does): once the garbage
 * collector runs, the gradient reads freed memory.
 */
final class PersistentArrays {
    private PersistentArrays() {
    }

    /**
     * A copy of data in memory torch owns, registered with no NDScope, so that a scope the caller wraps a step in
     * never closes it. DJL's create wraps a Java direct buffer without copying and keeps that buffer alive only
     * while its handle is open; the clone has no such tie, so nothing dangles once the staging array is closed.
     */
    static NDArray create(NDManager manager, float[] data, Shape shape) {
        NDArray owned;
        try (NDArray staging = manager.create(data, shape)) {
            owned = staging.duplicate();
        }
        NDScope.unregister(owned);
        return owned;
    }

    /** A 0-dimensional constant. */
    static NDArray scalar(NDManager manager, float value) {
        return create(manager, new float[] {value}, new Shape());
    }
}
