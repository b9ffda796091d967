package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CastsTest {
    private NDManager manager;

    @BeforeEach
    void createManager() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void narrowingRoundsToFloat16AndWideningKeepsTheValues() {
        NDArray x = manager.create(new float[] {1f, 1f / 3, -65504f, 70000f}, new Shape(2, 2));
        NDArray half = Casts.to(x, DataType.FLOAT16);
        assertThat(half.getDataType()).isEqualTo(DataType.FLOAT16);
        assertThat(half.getShape()).isEqualTo(x.getShape());
        NDArray back = Casts.to(half, DataType.FLOAT32);
        assertThat(back.getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(back.getShape()).isEqualTo(x.getShape());
        // 1/3 to the nearest float16, 0x3555; beyond the float16 range, infinity
        assertThat(back.toFloatArray()).containsExactly(1f, 0x555 / 4096f, -65504f, Float.POSITIVE_INFINITY);
        assertThat(Casts.to(x, DataType.FLOAT32)).isSameAs(x);
        assertThat(Casts.to(half, DataType.FLOAT16)).isSameAs(half);
    }

    @Test
    void aScalarWidensToAFloat32Scalar() {
        NDArray scalar = Casts.to(Casts.to(manager.create(2.5f), DataType.FLOAT16), DataType.FLOAT32);
        assertThat(scalar.getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(scalar.getShape().dimension()).isZero();
        assertThat(scalar.getFloat()).isEqualTo(2.5f);
    }

    /** d/dx sum(w * widen(narrow(x))) = w, exactly for a w that float16 holds exactly, and float32 like x. */
    @Test
    void gradientsPassThroughBothCasts() {
        NDArray x = manager.create(new float[] {0.1f, -7f, 3.25f}, new Shape(3));
        x.setRequiresGradient(true);
        NDArray w = manager.create(new float[] {0.5f, -2f, 3f}, new Shape(3));
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray half = Casts.to(x, DataType.FLOAT16);
            collector.backward(Casts.to(half.mul(Casts.to(w, DataType.FLOAT16)), DataType.FLOAT32).sum());
        }
        assertThat(x.getGradient().getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(x.getGradient().toFloatArray()).containsExactly(0.5f, -2f, 3f);
    }

    @Test
    void onlyFloat32AndFloat16() {
        NDArray tokens = manager.create(new long[] {1, 2});
        assertThatThrownBy(() -> Casts.to(tokens, DataType.FLOAT16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no differentiable cast from int64 to float16");
    }
}
