package dev.plrd.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor in memory: float32 data in row-major order, plus the dtype it is stored as in its file, so that a
 * read-then-write round trip keeps the file's precision. The data array is shared, not copied: a 7B model's
 * tensors are hundreds of megabytes each.
 */
public final class Tensor {
    private final TensorInfo info;
    private final float[] data;

    public Tensor(String name, DType dtype, long[] shape, float[] data) {
        this.info = new TensorInfo(name, dtype, shape);
        this.data = Objects.requireNonNull(data, "data");
        if (info.elements() != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape) + " needs "
                    + info.elements() + " elements, got " + data.length);
        }
    }

    public String name() {
        return info.name();
    }

    public DType dtype() {
        return info.dtype();
    }

    public long[] shape() {
        return info.shape();
    }

    public TensorInfo info() {
        return info;
    }

    /** The elements themselves, not a copy. */
    public float[] data() {
        return data;
    }

    /** The index of the first NaN or infinite element, or -1 when every element is finite. */
    public int firstNonFinite() {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                return i;
            }
        }
        return -1;
    }

    public int rows() {
        return (int) matrixShape()[0];
    }

    public int cols() {
        return (int) matrixShape()[1];
    }

    private long[] matrixShape() {
        long[] shape = info.shape();
        if (shape.length != 2) {
            throw new IllegalStateException("tensor '" + name() + "' of shape " + Arrays.toString(shape) + " is not a matrix");
        }
        return shape;
    }

    @Override
    public String toString() {
        return info.toString();
    }
}
