package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import dev.plrd.data.SplitName;
import dev.plrd.data.TokenDataset;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MIXED through the real {@link Trainer} on the CPU: float16 matmuls under dynamic loss scaling. */
class MixedPrecisionTrainingTest {
    private static final int VOCAB = MicroModel.VOCAB;

    @TempDir
    Path dir;
    private Path checkpoint;
    private Path shard;

    @BeforeEach
    void setUp() throws IOException {
        checkpoint = dir.resolve("model");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), checkpoint, 11);
        shard = dir.resolve("tokens.bin");
        CountingTokens.write(shard, 40_000, VOCAB, 5);
    }


    /** steps optimizer steps of 2 micro-batches of 4 windows of 16 tokens each, at a learning rate of 3e-3. */
    private List<Trainer.StepReport> train(Path from, ComputePrecision precision, long steps) throws Exception {
        TrainingPlan plan = new TrainingPlan(steps * 128, 16, 4, 128, 3e-3, 2, 1_000_000, 7);
        try (LlamaModel model = LlamaModel.load(from, Device.cpu(), precision);
                TokenDataset dataset = TokenDataset.open(shard.toString(), VOCAB, null, dir.resolve("cache"))) {
            List<Trainer.StepReport> reports = new ArrayList<>();
            Path state = Files.createTempDirectory(dir, "state");
            new Trainer(model, plan, dataset.split(SplitName.TRAIN, 16), state).run(false, () -> false,
                    new Trainer.Listener() {
                        @Override
                        public void step(Trainer.StepReport report) {
                            reports.add(report);
                        }

                        @Override
                        public void saved(long step, Path stateDirectory) {
                        }
                    });
            return reports;
        }
    }

    /** The same model with its final norm weight multiplied by factor, written to a new checkpoint. */
    private Path withFinalNormTimes(float factor) throws IOException {
        Path hot = dir.resolve("hot");
        try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), ComputePrecision.FLOAT32)) {
            model.parameters().stream().filter(p -> p.name().equals(LlamaLayout.FINAL_NORM)).findFirst().orElseThrow()
                    .value().muli(factor);
            model.save(hot, null);
        }
        return hot;
    }

    /**
     * Step for step on the same batches, MIXED follows FLOAT32 to float16 precision (1e-2 of the loss and of the
     * gradient norm; the measured gaps are near 1e-4 and 1e-3) without skipping a step: the scaled float16 backward
     * fits at the initial scale, and the reported norm matching FLOAT32's shows the trainer divided the scale out.
     */
    @Test
    void mixedTrainingFollowsFloat32AndLowersTheLoss() throws Exception {
        List<Trainer.StepReport> mixed = train(checkpoint, ComputePrecision.MIXED, 20);
        List<Trainer.StepReport> float32 = train(checkpoint, ComputePrecision.FLOAT32, 20);
        assertThat(mixed).hasSize(20).noneMatch(Trainer.StepReport::skipped);
        for (int i = 0; i < mixed.size(); i++) {
            Trainer.StepReport m = mixed.get(i);
            Trainer.StepReport f = float32.get(i);
            assertThat(m.loss()).as("loss at step %d", m.step()).isCloseTo(f.loss(), offset(1e-2 * f.loss()));
            assertThat(m.gradientNorm()).as("gradient norm at step %d", m.step())
                    .isCloseTo(f.gradientNorm(), offset(1e-2 * f.gradientNorm()));
        }
        assertThat(mixed.get(0).loss()).isGreaterThan(4.0); // ln 96 = 4.56 for an untrained model
        assertThat(mixed.subList(15, 20).stream().mapToDouble(Trainer.StepReport::loss).average().orElseThrow())
                .isLessThan(3.0);
    }

    /**
     * A final norm weight of 5000 keeps the forward within float16 (the norm's output near 5000, logits near a
     * thousand) but makes the scaled head gradients overflow it: those steps are skipped and the scale halved until
     * the gradients fit, after which every step updates and the loss falls. FLOAT32 has the range and updates from
     * the first step, so the skips are float16's, not a diverged model's.
     */
    @Test
    void stepsWhoseFloat16GradientsOverflowAreSkippedUntilTheScaleFits() throws Exception {
        Path hot = withFinalNormTimes(5000);
        Trainer.StepReport float32 = train(hot, ComputePrecision.FLOAT32, 1).get(0);
        assertThat(float32.skipped()).isFalse();
        assertThat(float32.gradientNorm()).isFinite();

        List<Trainer.StepReport> mixed = train(hot, ComputePrecision.MIXED, 8);
        int skipped = (int) mixed.stream().takeWhile(Trainer.StepReport::skipped).count();
        assertThat(skipped).as("steps skipped before the scale fits").isBetween(1, 5);
        assertThat(mixed.subList(0, skipped)).allSatisfy(r -> assertThat(r.gradientNorm()).isNotFinite());
        assertThat(mixed.subList(skipped, mixed.size())).allSatisfy(r -> {
            assertThat(r.skipped()).as("step %d", r.step()).isFalse();
            assertThat(r.gradientNorm()).isFinite();
        });
        assertThat(mixed.get(mixed.size() - 1).loss()).isLessThan(mixed.get(0).loss() / 2);
    }
}
