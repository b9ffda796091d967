package dev.plrd.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StepTimeTest {
    static final GpuProduct H100 = GpuProducts.find("NVIDIA-H100-80GB-HBM3").orElseThrow();

    @Test
    void palmFlopsAtTheAssumedMfu() {
        long p = TrainingMemoryTest.PARAMETERS;
        StepTime t = StepTime.of(TrainingMemoryTest.llamaMember(), p, 4096, 4_000_000, 8, H100, false);
        // 6 x 3,100,774,400 + 12 x 32 layers x 4096 x 4096 tokens of context = 25,047,097,344 FLOPs a token
        assertThat(t.flopsPerToken()).isEqualTo(6.0 * p + 12.0 * 32 * 4096 * 4096).isEqualTo(25_047_097_344.0);
        // 4M tokens x 25.05 GFLOP / (8 x 989.4 TFLOP/s x 0.40) = 31.6 s
        assertThat(t.seconds()).isCloseTo(4e6 * 25_047_097_344.0 / (8 * 989.4e12 * 0.40), within(1e-9))
                .isCloseTo(31.64, within(0.01));
    }

    @Test
    void checkpointingRecomputesTheForwardAThirdMore() {
        long p = TrainingMemoryTest.PARAMETERS;
        StepTime plain = StepTime.of(TrainingMemoryTest.llamaMember(), p, 4096, 4_000_000, 8, H100, false);
        StepTime recomputed = StepTime.of(TrainingMemoryTest.llamaMember(), p, 4096, 4_000_000, 8, H100, true);
        assertThat(recomputed.seconds()).isCloseTo(plain.seconds() * 4 / 3, within(1e-9)).isCloseTo(42.19, within(0.01));
        assertThat(recomputed.flopsPerToken()).isEqualTo(plain.flopsPerToken());
    }
}
