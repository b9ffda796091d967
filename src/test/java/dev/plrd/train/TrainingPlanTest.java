package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TrainingPlanTest {
    private static TrainingPlan plan(long tokens, long globalBatchTokens, int warmup) {
        return new TrainingPlan(tokens, 2048, 4, globalBatchTokens, 1e-4, warmup, 50_000_000, 0);
    }

    @Test
    void theGlobalBatchIsReachedByAccumulatingWholeMicroBatches() {
        TrainingPlan p = plan(1_000_000_000, 1_000_000, 50);
        assertThat(p.accumulation()).isEqualTo(122); // 1M / 8192 = 122.07
        assertThat(p.stepTokens()).isEqualTo(122L * 8192);
        assertThat(p.steps()).isEqualTo(1_000_000_000L / (122L * 8192));
        assertThat(p.checkpointEverySteps()).isEqualTo(51); // 50M / 999,424 = 50.03, rounded up
    }

    @Test
    void aGlobalBatchSmallerThanAMicroBatchIsOneMicroBatch() {
        TrainingPlan p = plan(100_000, 1000, 0);
        assertThat(p.accumulation()).isEqualTo(1);
        assertThat(p.stepTokens()).isEqualTo(8192);
        assertThat(p.steps()).isEqualTo(12);
    }

    @Test
    void aBudgetSmallerThanOneStepIsRefusedNamingTheFlag() {
        assertThatThrownBy(() -> plan(500_000, 1_000_000, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--tokens 500000 is smaller than one optimizer step of 999424 tokens")
                .hasMessageContaining("122 micro-batches of 4 x 2048");
    }

    @Test
    void badNumbersAreRefusedNamingTheFlag() {
        assertThatThrownBy(() -> new TrainingPlan(1000, 0, 4, 1000, 1e-4, 0, 1000, 0)).hasMessageContaining("--seq-len");
        assertThatThrownBy(() -> new TrainingPlan(1000, 8, 0, 1000, 1e-4, 0, 1000, 0)).hasMessageContaining("--micro-batch");
        assertThatThrownBy(() -> new TrainingPlan(1000, 8, 4, 1000, 0, 0, 1000, 0)).hasMessageContaining("--lr");
        assertThatThrownBy(() -> new TrainingPlan(1000, 8, 4, 1000, 1e-4, -1, 1000, 0)).hasMessageContaining("--warmup");
        assertThatThrownBy(() -> new TrainingPlan(1000, 8, 4, 1000, 1e-4, 0, 0, 0)).hasMessageContaining("--checkpoint-every");
    }

    @Test
    void theLearningRateWarmsUpLinearlyThenFollowsACosineToATenth() {
        TrainingPlan p = new TrainingPlan(101 * 64, 8, 8, 64, 1e-3, 10, 1000, 0);
        assertThat(p.steps()).isEqualTo(101);
        assertThat(p.learningRate(0)).isCloseTo(1e-4, within(1e-12));
        assertThat(p.learningRate(4)).isCloseTo(5e-4, within(1e-12));
        assertThat(p.learningRate(9)).isCloseTo(1e-3, within(1e-12));
        assertThat(p.learningRate(10)).isCloseTo(1e-3, within(1e-12));
        assertThat(p.learningRate(55)).isCloseTo(1e-4 + 0.5 * 9e-4, within(1e-12));
        assertThat(p.learningRate(100)).isCloseTo(1e-4, within(1e-12));
        for (long s = 10; s < 100; s++) {
            assertThat(p.learningRate(s + 1)).isLessThan(p.learningRate(s));
        }
    }

    @Test
    void theIdentityChangesWithWhatShapesTheRunButNotWithTheCheckpointInterval() {
        TrainingPlan a = plan(1_000_000_000, 1_000_000, 50);
        assertThat(new TrainingPlan(1_000_000_000, 2048, 4, 1_000_000, 1e-4, 50, 10_000_000, 0).identity())
                .isEqualTo(a.identity());
        assertThat(new TrainingPlan(1_000_000_000, 2048, 4, 1_000_000, 1e-4, 50, 50_000_000, 1).identity())
                .isNotEqualTo(a.identity());
        assertThat(new TrainingPlan(1_000_000_000, 2048, 4, 1_000_000, 2e-4, 50, 50_000_000, 0).identity())
                .isNotEqualTo(a.identity());
    }
}
