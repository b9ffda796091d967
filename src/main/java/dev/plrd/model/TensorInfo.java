package dev.plrd.model;

import java.util.Arrays;
import java.util.Objects;

/** A tensor's name, stored element type and shape, without its data. */
public record TensorInfo(String name, DType dtype, long[] shape) {
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension in shape " + Arrays.toString(shape));
            }
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** @throws ArithmeticException when the product does not fit a long */
    public long elements() {
        long elements = 1;
        for (long dim : shape) {
            elements = Math.multiplyExact(elements, dim);
        }
        return elements;
    }

    public long byteSize() {
        return Math.multiplyExact(elements(), dtype.byteWidth());
    }

    public boolean sameShape(long[] other) {
        return Arrays.equals(shape, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo other && name.equals(other.name) && dtype == other.dtype && Arrays.equals(shape, other.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
