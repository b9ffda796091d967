package dev.plrd.decompose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The device side of a kernel: DJL arrays on DJL's default device, which is a GPU where DJL has one, so the large
 * products run there; everything created is freed when this closes. Only {@link SmallMatrix} data crosses to the
 * CPU for LAPACK.
 */
final class Tensors implements AutoCloseable {
    private final NDManager manager = NDManager.newBaseManager();

    /** A float32 copy of m on the device. */
    NDArray upload(Matrix m) {
        return manager.create(m.data(), new Shape(m.rows(), m.cols()));
    }

    /** x times the small matrix s, in x's precision. */
    NDArray times(NDArray x, SmallMatrix s) {
        Shape shape = new Shape(s.rows(), s.cols());
        try (NDArray small = x.getDataType() == DataType.FLOAT64 ? manager.create(s.data(), shape)
                : manager.create(s.toFloat(), shape)) {
            return x.matMul(small);
        }
    }

    /**
     * x^T x in float64. A Gram matrix squares the condition number, so in float32 the weak directions of a
     * tall-skinny basis would drown in rounding; the float32 entries multiply exactly in float64.
     */
    static SmallMatrix gram(NDArray x) {
        int k = Math.toIntExact(x.getShape().get(1));
        if (x.getDataType() != DataType.FLOAT64) {
            try (NDArray x64 = x.toType(DataType.FLOAT64, false)) {
                return gram(x64);
            }
        }
        try (NDArray xt = x.transpose(); NDArray g = xt.matMul(x)) {
            return new SmallMatrix(k, k, g.toDoubleArray());
        }
    }

    /** A float32 Matrix holding x. */
    static Matrix download(NDArray x) {
        Shape shape = x.getShape();
        float[] data = x.getDataType() == DataType.FLOAT32 ? x.toFloatArray() : castToFloat(x);
        return new Matrix(Math.toIntExact(shape.get(0)), Math.toIntExact(shape.get(1)), data);
    }

    private static float[] castToFloat(NDArray x) {
        try (NDArray f = x.toType(DataType.FLOAT32, false)) {
            return f.toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
