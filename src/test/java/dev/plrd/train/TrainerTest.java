package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.plrd.data.Split;
import dev.plrd.data.SplitName;
import dev.plrd.data.TokenDataset;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

    @TempDir
    Path dir;
    Path checkpoint;
    Path shard;

    @BeforeEach
    void setUp() throws IOException {
        checkpoint = dir.resolve("model");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), checkpoint, 11);
        shard = dir.resolve("counting.bin");
        CountingTokens.write(shard, 60_000, 96, 1);
    }

    private record Run(Trainer.Outcome outcome, List<Double> losses, List<float[]> weights, List<Long> saves) {
    }

    private Run train(TrainingPlan plan, Path state, boolean resume, BooleanSupplier stop) throws Exception {
        try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), ComputePrecision.FLOAT32);
                TokenDataset dataset = TokenDataset.open(shard.toString(), 96, null, dir.resolve("cache"))) {
            Split split = dataset.split(SplitName.TRAIN, plan.sequenceLength());
            List<Double> losses = new ArrayList<>();
            List<Long> saves = new ArrayList<>();
            Trainer.Outcome outcome = new Trainer(model, plan, split, state).run(resume, stop, new Trainer.Listener() {
                @Override
                public void step(Trainer.StepReport report) {
                    losses.add(report.loss());
                }

                @Override
                public void saved(long step, Path stateDirectory) {
                    saves.add(step);
                }
            });
            List<float[]> weights = model.parameters().stream().map(p -> p.value().toFloatArray()).toList();
            return new Run(outcome, losses, weights, saves);
        }
    }

    private static TrainingPlan plan(long steps, double lr) {
        return new TrainingPlan(steps * 128, 16, 4, 128, lr, 2, 1_000_000, 7);
    }

    @Test
    void theLossFallsOnALearnablePattern() throws Exception {
        Run run = train(plan(60, 3e-3), dir.resolve("state"), false, () -> false);
        assertThat(run.losses()).hasSize(60);
        assertThat(run.losses().get(0)).isGreaterThan(4.0); // ln 96 = 4.56 for an untrained model
        double last = run.losses().subList(50, 60).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertThat(last).isLessThan(2.0);
        assertThat(run.outcome().tokensSeen()).isEqualTo(60 * 128);
        assertThat(run.saves()).containsExactly(60L);
    }

    @Test
    void stoppingAndResumingGivesTheSameWeightsAsTrainingStraight() throws Exception {
        TrainingPlan plan = plan(8, 3e-3);
        Run straight = train(plan, dir.resolve("straight"), false, () -> false);

        Path state = dir.resolve("interrupted");
        AtomicInteger microBatches = new AtomicInteger();
        // two micro-batches per step: the 9th check comes before step 5 starts
        Run first = train(plan, state, false, () -> microBatches.incrementAndGet() > 8);
        assertThat(first.outcome().stopped()).isTrue();
        assertThat(first.outcome().steps()).isEqualTo(4);
        assertThat(first.saves()).containsExactly(4L);

        Run second = train(plan, state, true, () -> false);
        assertThat(second.outcome().resumedAt()).isEqualTo(4);
        assertThat(second.outcome().steps()).isEqualTo(8);
        assertThat(first.losses()).isEqualTo(straight.losses().subList(0, 4));
        assertThat(second.losses()).isEqualTo(straight.losses().subList(4, 8));
        for (int i = 0; i < straight.weights().size(); i++) {
            assertThat(second.weights().get(i)).as("parameter %d", i).containsExactly(straight.weights().get(i));
        }
    }

    @Test
    void aStepCutShortIsDroppedAndTheLastWholeStepSaved() throws Exception {
        Path state = dir.resolve("state");
        AtomicInteger checks = new AtomicInteger();
        // step 3's second micro-batch is refused: step 3 is dropped, the state holds step 2
        Run run = train(plan(8, 3e-3), state, false, () -> checks.incrementAndGet() == 6);
        assertThat(run.outcome().stopped()).isTrue();
        assertThat(run.outcome().steps()).isEqualTo(2);
        assertThat(Files.readString(state.resolve(TrainState.LATEST))).isEqualTo("step-00000002");
        try (var entries = Files.list(state)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("latest", "step-00000002");
        }
    }

    @Test
    void aStateOfAnotherRunIsRefused() throws Exception {
        Path state = dir.resolve("state");
        train(plan(2, 3e-3), state, false, () -> false);
        assertThatThrownBy(() -> train(plan(2, 1e-3), state, true, () -> false))
                .isInstanceOf(TrainState.StateMismatchException.class)
                .hasMessageContaining("was written by another training run")
                .hasMessageContaining("lr=0.003");
    }

    @Test
    void withoutResumeAnOldStateIsIgnoredAndReplaced() throws Exception {
        Path state = dir.resolve("state");
        train(plan(2, 3e-3), state, false, () -> false);
        Run again = train(plan(2, 1e-3), state, false, () -> false);
        assertThat(again.outcome().resumedAt()).isZero();
        assertThat(again.saves()).containsExactly(2L);
    }
}
