package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LossScaleTest {
    @Test
    void anOverflowSkipsTheStepAndHalvesTheScale() {
        LossScale scale = LossScale.dynamic(1024, 17);
        assertThat(scale.update(false)).isFalse();
        assertThat(scale.value()).isEqualTo(512);
        assertThat(scale.cleanSteps()).isZero();
    }

    @Test
    void theScaleDoublesAfterAnIntervalOfCleanSteps() {
        LossScale scale = LossScale.dynamic(1024, 0);
        for (int i = 1; i < LossScale.GROWTH_INTERVAL; i++) {
            assertThat(scale.update(true)).isTrue();
        }
        assertThat(scale.value()).isEqualTo(1024);
        scale.update(true);
        assertThat(scale.value()).isEqualTo(2048);
        assertThat(scale.cleanSteps()).isZero();
    }

    @Test
    void aFixedScaleNeverMovesAndReportsNonFiniteGradientsAsUnusable() {
        LossScale scale = LossScale.fixed();
        assertThat(scale.update(false)).isFalse();
        assertThat(scale.update(true)).isTrue();
        assertThat(scale.value()).isEqualTo(1);
        assertThat(scale.isDynamic()).isFalse();
    }
}
