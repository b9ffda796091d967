package dev.plrd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Casts between float32 and float16 that stay inside the autograd graph, so that the gradient of a float16 matmul
 * reaches the float32 master weight it was cast from. DJL 0.36's {@code toType} cannot serve: its JNI runs
 * {@code tensor.to} under a NoGradGuard, so the cast result has no history and backward stops there. Two
 * differentiable ops stand in for it instead:
 * <ul>
 *   <li>narrowing: a cumulative product over a new axis of length 1 with a result dtype, which copies x into that
 *       type; its backward hands the gradient back cast to x's type. Autograd keeps x and the copy until the
 *       backward pass: for a weight that costs nothing beyond the float16 copy its matmul keeps anyway, for an
 *       activation it is a float32 copy held beside the float16 one.</li>
 *   <li>widening: adding a float32 zero of x's rank, which type promotion makes a float32 sum; add keeps nothing
 *       for its backward, and the autograd engine casts the gradient back to x's float16.</li>
 * </ul>
 * Both are exact on the values (a float16 value is a float32 value, and x + 0 is x), apart from the rounding that
 * narrowing itself is.
 */
final class Casts {
    private Casts() {
    }

    /** x in type, x itself when it already is; float32 and float16 only. */
    static NDArray to(NDArray x, DataType type) {
        DataType from = x.getDataType();
        if (from == type) {
            return x;
        }
        if (from == DataType.FLOAT32 && type == DataType.FLOAT16) {
            return x.expandDims(-1).cumProd(-1, DataType.FLOAT16).squeeze(-1);
        }
        if (from == DataType.FLOAT16 && type == DataType.FLOAT32) {
            // a zero of x's rank: against a 0-dimensional zero a dimensioned float16 x would stay float16
            long[] ones = new long[x.getShape().dimension()];
            Arrays.fill(ones, 1);
            return x.add(x.getManager().zeros(new Shape(ones), DataType.FLOAT32, x.getDevice()));
        }
        throw new IllegalArgumentException("no differentiable cast from " + from + " to " + type);
    }
}
