package dev.plrd.decompose;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Bad input is rejected before any work, with the dimensions in the message. */
class ArgumentsTest {
    private final Matrix w = TestMatrices.gaussian(30, 20, 1);

    @Test
    void rankOutOfRange() {
        assertThatThrownBy(() -> ExactSvd.truncate(w, 0, Split.BALANCED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 0").hasMessageContaining("30 x 20");
        assertThatThrownBy(() -> ExactSvd.truncate(w, 21, Split.BALANCED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 21").hasMessageContaining("1..20");
        assertThatThrownBy(() -> RandomizedSvd.truncate(w, 21, Split.BALANCED, RandomizedSvd.Settings.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("30 x 20");
        assertThatThrownBy(() -> RandomizedSvd.truncate(w, -1, Split.LEFT, RandomizedSvd.Settings.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank -1");
    }

    @Test
    void retruncationMustLowerTheRank() {
        Matrix a = TestMatrices.gaussian(30, 8, 2);
        Matrix b = TestMatrices.gaussian(8, 20, 3);
        assertThatThrownBy(() -> Retruncation.truncate(a, b, 8, Split.BALANCED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("new rank 8")
                .hasMessageContaining("rank 8").hasMessageContaining("30 x 8").hasMessageContaining("1..7");
        assertThatThrownBy(() -> Retruncation.truncate(a, b, 0, Split.BALANCED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("new rank 0");
    }

    @Test
    void factorsMustChain() {
        Matrix a = TestMatrices.gaussian(30, 8, 4);
        Matrix b = TestMatrices.gaussian(9, 20, 5);
        assertThatThrownBy(() -> Retruncation.truncate(a, b, 4, Split.BALANCED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("30 x 8").hasMessageContaining("9 x 20");
        assertThatThrownBy(() -> Retruncation.singularValues(a, b))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("30 x 8").hasMessageContaining("9 x 20");
    }

    @Test
    void pairRankBeyondTheProductShape() {
        Matrix a = TestMatrices.gaussian(30, 25, 6);
        Matrix b = TestMatrices.gaussian(25, 20, 7);
        assertThatThrownBy(() -> Retruncation.truncate(a, b, 10, Split.BALANCED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 25").hasMessageContaining("30 x 20");
    }

    @Test
    void matrixDataMustFitItsShape() {
        assertThatThrownBy(() -> new Matrix(3, 4, new float[11]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 x 4").hasMessageContaining("11");
        assertThatThrownBy(() -> new Matrix(0, 4, new float[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 x 4");
    }

    @Test
    void nonFiniteInput() {
        float[] data = w.data().clone();
        data[7] = Float.NaN;
        assertThatThrownBy(() -> ExactSvd.truncate(new Matrix(30, 20, data), 5, Split.BALANCED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN").hasMessageContaining("30 x 20");
    }

    @Test
    void negativeSettings() {
        assertThatThrownBy(() -> new RandomizedSvd.Settings(-1, 2, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RandomizedSvd.Settings(10, -1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
