package dev.plrd.torch;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.plrd.cli.PlrdCommand;
import dev.plrd.data.Split;
import dev.plrd.data.SplitName;
import dev.plrd.data.TokenDataset;
import dev.plrd.evaluate.Perplexity;
import dev.plrd.model.Checkpoint;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import dev.plrd.train.ComputePrecision;
import dev.plrd.train.LlamaModel;
import dev.plrd.train.Trainer;
import dev.plrd.train.TrainingPlan;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PyTorch engine against its CPU reference, the DJL engine, on the same MicroModel checkpoints (dense, and
 * factored by the Java decomposer) and the same data: logits, held-out perplexity, and 20 float32 training steps.
 */
class EngineCrossCheckTest {
    private static final int ROWS = 2;
    private static final int LENGTH = 48;

    @TempDir
    static Path dir;
    static Path dense;
    static Path factored;
    static Path data;

    @BeforeAll
    static void checkpoints() throws Exception {
        TorchWorker.python();
        dense = dir.resolve("dense");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), dense, 5);
        factored = dir.resolve("factored");
        int code = PlrdCommand.commandLine().execute("decompose", "--from", dense.toString(), "--to",
                factored.toString(), "--rank-fraction", "0.5");
        assertThat(code).isZero();
        data = CountingTokens.write(dir.resolve("counting.bin"), 60_000, MicroModel.VOCAB, 4);
    }

    @Test
    void logitsEqualTheDjlModelsOnDenseAndFactoredCheckpoints() throws Exception {
        for (Path checkpoint : List.of(dense, factored)) {
            long[] tokens = new Random(9).longs((long) ROWS * LENGTH, 0, MicroModel.VOCAB).toArray();
            float[] reference = djlLogits(checkpoint, tokens);
            float[] torch = torchLogits(checkpoint, tokens);
            assertThat(torch).hasSameSizeAs(reference);
            double largest = 0;
            double difference = 0;
            for (int i = 0; i < reference.length; i++) {
                largest = Math.max(largest, Math.abs(reference[i]));
                difference = Math.max(difference, Math.abs(reference[i] - torch[i]));
            }
            System.err.printf("%s: max |logit difference| %.3e, max |logit| %.3f, relative %.3e%n",
                    checkpoint.getFileName(), difference, largest, difference / largest);
            assertThat(largest).as("logits far from zero, so the comparison means something").isGreaterThan(0.1);
            assertThat(difference / largest).as("%s relative logit error", checkpoint.getFileName()).isLessThan(1e-5);
        }
    }

    private static float[] djlLogits(Path checkpoint, long[] tokens) throws Exception {
        try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), ComputePrecision.FLOAT32);
                NDScope scope = new NDScope()) {
            NDArray input = model.manager().create(tokens, new Shape(ROWS, LENGTH));
            return model.logits(input).toFloatArray();
        }
    }

    private static float[] torchLogits(Path checkpoint, long[] tokens) throws Exception {
        Path in = dir.resolve("tokens-" + checkpoint.getFileName() + ".bin");
        Path out = dir.resolve("logits-" + checkpoint.getFileName() + ".bin");
        ByteBuffer bytes = ByteBuffer.allocate(tokens.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long t : tokens) {
            bytes.putLong(t);
        }
        Files.write(in, bytes.array());
        Path log = dir.resolve("logits.log");
        int code = TorchWorker.finish(TorchWorker.script("plrd_logits.py", log, checkpoint, in, out, ROWS), log);
        assertThat(code).as(Files.readString(log)).isZero();
        ByteBuffer read = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] logits = new float[read.remaining() / 4];
        read.asFloatBuffer().get(logits);
        return logits;
    }

    @Test
    void evaluatePerplexityEqualsTheDjlEngines() throws Exception {
        for (Path checkpoint : List.of(dense, factored)) {
            Perplexity.Result reference;
            try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), ComputePrecision.FLOAT32);
                    TokenDataset dataset = TokenDataset.open(data.toString(), MicroModel.VOCAB, null, dir)) {
                reference = Perplexity.measure(model, dataset.split(SplitName.HELD_OUT, 32), 400, 3, 4);
            }
            Path result = dir.resolve("evaluate-" + checkpoint.getFileName() + ".json");
            TorchWorker.Run run = TorchWorker.run(dir.resolve("evaluate.log"), "evaluate", "--model", checkpoint,
                    "--data", data, "--tokens", "400", "--seq-len", "32", "--seed", "3", "--micro-batch", "4",
                    "--result", result);
            assertThat(run.code()).as(run.output()).isZero();
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(result.toFile());
            System.err.printf("%s: perplexity DJL %.6f, torch %.4f%n", checkpoint.getFileName(), reference.perplexity(),
                    json.get("perplexity").asDouble());
            assertThat(json.get("tokens").asLong()).isEqualTo(reference.tokens()).isEqualTo(416);
            assertThat(json.get("perplexity").asDouble()).isCloseTo(reference.perplexity(),
                    org.assertj.core.data.Offset.offset(1e-4 + 1e-6 * reference.perplexity()));
        }
    }

    @Test
    void twentyFloat32StepsGiveTheDjlTrainersLossesAndWeights() throws Exception {
        // 20 steps of 2 micro-batches of 4 x 16 tokens, warmup 3, then the cosine
        TrainingPlan plan = new TrainingPlan(20 * 128, 16, 4, 128, 3e-3, 3, 1_000_000, 7);
        for (Path checkpoint : List.of(dense, factored)) {
            List<Double> reference = new ArrayList<>();
            List<float[]> referenceWeights = new ArrayList<>();
            List<String> names = new ArrayList<>();
            try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), ComputePrecision.FLOAT32);
                    TokenDataset dataset = TokenDataset.open(data.toString(), MicroModel.VOCAB, null, dir)) {
                Split split = dataset.split(SplitName.TRAIN, 16);
                new Trainer(model, plan, split, dir.resolve("djl-state-" + checkpoint.getFileName()))
                        .run(false, () -> false, new Trainer.Listener() {
                            @Override
                            public void step(Trainer.StepReport report) {
                                reference.add(report.loss());
                            }

                            @Override
                            public void saved(long step, Path stateDirectory) {
                            }
                        });
                model.parameters().forEach(p -> {
                    names.add(p.name());
                    referenceWeights.add(p.value().toFloatArray());
                });
            }
            Path to = dir.resolve("torch-trained-" + checkpoint.getFileName());
            TorchWorker.Run run = TorchWorker.run(dir.resolve("train.log"), "train", "--from", checkpoint, "--to", to,
                    "--data", data, "--tokens", plan.tokens(), "--seq-len", "16", "--micro-batch", "4",
                    "--global-batch-tokens", "128", "--lr", "3e-3", "--warmup", "3", "--seed", "7",
                    "--log-format", "json", "--state", dir.resolve("torch-state-" + checkpoint.getFileName()));
            assertThat(run.code()).as(run.output()).isZero();
            List<Double> losses = new ArrayList<>();
            Matcher m = Pattern.compile("\"loss\": ([-0-9.eE+]+)").matcher(run.output());
            while (m.find()) {
                losses.add(Double.parseDouble(m.group(1)));
            }
            assertThat(losses).hasSize(20);
            double worstLoss = 0;
            for (int i = 0; i < 20; i++) {
                worstLoss = Math.max(worstLoss, Math.abs(losses.get(i) - reference.get(i)) / reference.get(i));
            }
            double largest = 0;
            double worstWeight = 0;
            try (Checkpoint trained = Checkpoint.open(to)) {
                for (int i = 0; i < names.size(); i++) {
                    float[] ours = trained.read(names.get(i)).data();
                    float[] theirs = referenceWeights.get(i);
                    for (int j = 0; j < ours.length; j++) {
                        largest = Math.max(largest, Math.abs(theirs[j]));
                        worstWeight = Math.max(worstWeight, Math.abs(ours[j] - theirs[j]));
                    }
                }
            }
            System.err.printf("%s: 20 steps, loss %.4f -> %.4f; max relative loss difference %.3e, max weight"
                    + " difference %.3e of the largest weight %.3f%n", checkpoint.getFileName(), reference.get(0),
                    reference.get(19), worstLoss, worstWeight, largest);
            assertThat(reference.get(19)).as("the run learns something").isLessThan(reference.get(0));
            assertThat(worstLoss).isLessThan(1e-3);
            assertThat(worstWeight / largest).isLessThan(1e-3);
        }
    }
}
