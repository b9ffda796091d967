package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void infoCountsElementsAndBytes() {
        TensorInfo info = new TensorInfo("w", DType.BF16, new long[] {3, 5});
        assertThat(info.elements()).isEqualTo(15);
        assertThat(info.byteSize()).isEqualTo(30);
        assertThat(new TensorInfo("s", DType.F32, new long[0]).elements()).isEqualTo(1);
        assertThat(new TensorInfo("e", DType.F32, new long[] {4, 0}).byteSize()).isZero();
        assertThat(info.toString()).isEqualTo("w BF16[3, 5]");
    }

    @Test
    void infoComparesShapesByValueAndCannotBeChangedThroughItsArrays() {
        long[] shape = {3, 5};
        TensorInfo info = new TensorInfo("w", DType.F16, shape);
        shape[0] = 99;
        info.shape()[1] = 99;
        assertThat(info).isEqualTo(new TensorInfo("w", DType.F16, new long[] {3, 5}))
                .hasSameHashCodeAs(new TensorInfo("w", DType.F16, new long[] {3, 5}))
                .isNotEqualTo(new TensorInfo("w", DType.F32, new long[] {3, 5}))
                .isNotEqualTo(new TensorInfo("w", DType.F16, new long[] {5, 3}));
    }

    @Test
    void infoRejectsNegativeDimensions() {
        assertThatThrownBy(() -> new TensorInfo("w", DType.F32, new long[] {2, -1}))
                .hasMessage("tensor 'w' has a negative dimension in shape [2, -1]");
    }

    @Test
    void tensorDataMustFillItsShape() {
        assertThatThrownBy(() -> new Tensor("w", DType.F32, new long[] {2, 3}, new float[5]))
                .hasMessage("tensor 'w' of shape [2, 3] needs 6 elements, got 5");
    }

    @Test
    void matrixDimensions() {
        float[] data = new float[6];
        Tensor matrix = new Tensor("w", DType.BF16, new long[] {2, 3}, data);
        assertThat(matrix.rows()).isEqualTo(2);
        assertThat(matrix.cols()).isEqualTo(3);
        assertThat(matrix.data()).isSameAs(data);
        assertThat(matrix.info()).isEqualTo(new TensorInfo("w", DType.BF16, new long[] {2, 3}));
        Tensor vector = new Tensor("n", DType.F32, new long[] {6}, data);
        assertThatThrownBy(vector::rows).hasMessage("tensor 'n' of shape [6] is not a matrix");
    }
}
