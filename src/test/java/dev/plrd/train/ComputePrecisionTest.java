package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.plrd.model.DType;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComputePrecisionTest {
    @TempDir
    Path dir;

    @Test
    void parsesTheCliNamesInAnyCase() {
        assertThat(ComputePrecision.parse("float32")).isEqualTo(ComputePrecision.FLOAT32);
        assertThat(ComputePrecision.parse("Mixed")).isEqualTo(ComputePrecision.MIXED);
        assertThat(ComputePrecision.parse("BFLOAT16")).isEqualTo(ComputePrecision.BFLOAT16);
    }

    @Test
    void anUnknownNameIsRefusedWithTheAllowedOnes() {
        assertThatThrownBy(() -> ComputePrecision.parse("fp16")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fp16'").hasMessageContaining("float32, mixed, bfloat16");
        assertThatThrownBy(() -> ComputePrecision.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void typesOfParametersAndMatmuls() {
        assertThat(ComputePrecision.FLOAT32.parameterType()).isEqualTo(DataType.FLOAT32);
        assertThat(ComputePrecision.FLOAT32.computeType()).isEqualTo(DataType.FLOAT32);
        assertThat(ComputePrecision.MIXED.parameterType()).isEqualTo(DataType.FLOAT32);
        assertThat(ComputePrecision.MIXED.computeType()).isEqualTo(DataType.BFLOAT16);
        assertThat(ComputePrecision.BFLOAT16.parameterType()).isEqualTo(DataType.BFLOAT16);
        assertThat(ComputePrecision.BFLOAT16.computeType()).isEqualTo(DataType.BFLOAT16);
    }

    /** DJL 0.36's PyTorch engine aborts the JVM on any bfloat16 tensor, so these must fail before making one. */
    @Test
    void theBfloat16ModesAreRefusedAtLoad() throws IOException {
        Path path = dir.resolve("model");
        TestCheckpoints.write(TestCheckpoints.small(), path, 1, DType.BF16);
        for (ComputePrecision precision : new ComputePrecision[] {ComputePrecision.MIXED, ComputePrecision.BFLOAT16}) {
            assertThatThrownBy(() -> LlamaModel.load(path, Device.cpu(), precision))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining(precision.cliName()).hasMessageContaining("bfloat16").hasMessageContaining("float32");
        }
    }
}
