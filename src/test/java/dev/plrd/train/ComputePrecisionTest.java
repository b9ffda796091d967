package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

class ComputePrecisionTest {
    @Test
    void parsesTheCliNamesInAnyCase() {
        assertThat(ComputePrecision.parse("float32")).isEqualTo(ComputePrecision.FLOAT32);
        assertThat(ComputePrecision.parse("FLOAT32")).isEqualTo(ComputePrecision.FLOAT32);
        assertThat(ComputePrecision.parse("mixed")).isEqualTo(ComputePrecision.MIXED);
        assertThat(ComputePrecision.parse("Mixed")).isEqualTo(ComputePrecision.MIXED);
        assertThat(ComputePrecision.values()).containsExactly(ComputePrecision.FLOAT32, ComputePrecision.MIXED);
    }

    /** bfloat16 included: DJL 0.36 cannot hold a bfloat16 tensor, so there is no such mode. */
    @Test
    void anUnknownNameIsRefusedWithTheAllowedOnes() {
        for (String name : new String[] {"fp16", "bfloat16", "float16", ""}) {
            assertThatThrownBy(() -> ComputePrecision.parse(name)).as(name).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("unknown compute precision '" + name + "' (allowed: float32, mixed)");
        }
        assertThatThrownBy(() -> ComputePrecision.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mixedMultipliesInFloat16() {
        assertThat(ComputePrecision.FLOAT32.computeType()).isEqualTo(DataType.FLOAT32);
        assertThat(ComputePrecision.MIXED.computeType()).isEqualTo(DataType.FLOAT16);
    }
}
