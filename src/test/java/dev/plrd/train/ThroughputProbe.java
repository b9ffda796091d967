package dev.plrd.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.plrd.data.DataException;
import dev.plrd.data.Split;
import dev.plrd.data.SplitName;
import dev.plrd.data.TokenDataset;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.PlrdSection;
import dev.plrd.model.Projection;
import dev.plrd.model.RandomInit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * One throughput measurement in a process of its own, so that its peak memory is its own:
 * {@code train|infer CONFIG_JSON RANK SEQ MICRO WARMUP STEPS DIR}. RANK 0 keeps every projection
 * dense; otherwise all seven are factored at that rank (random weights: speed does not depend on
 * values). Prints one line: {@code probe: <tokens/s> tokens/s, <parameters> parameters}.
 */
public final class ThroughputProbe {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        ModelConfig config = ModelConfig.parse(Files.readString(Path.of(args[1])));
        int rank = Integer.parseInt(args[2]);
        int sequence = Integer.parseInt(args[3]);
        int micro = Integer.parseInt(args[4]);
        int warmup = Integer.parseInt(args[5]);
        int steps = Integer.parseInt(args[6]);
        Path dir = Path.of(args[7]);
        if (rank > 0) {
            config = config.withPlrd(PlrdSection.NONE.withRanks(ranks(config, rank)));
        }
        Path checkpoint = dir.resolve("model");
        RandomInit.write(config, checkpoint, 1);
        try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), ComputePrecision.FLOAT32)) {
            double tokensPerSecond = mode.equals("train") ? train(model, dir, sequence, micro, warmup, steps)
                    : infer(model, sequence, micro, warmup, steps);
            System.out.printf(Locale.ROOT, "probe: %.1f tokens/s, %d parameters%n", tokensPerSecond, model.parameterCount());
        }
    }

    private static Map<String, Integer> ranks(ModelConfig config, int rank) {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            for (Projection p : Projection.values()) {
                ranks.put(LlamaLayout.modulePath(layer, p), rank);
            }
        }
        return ranks;
    }

    /** Steps after the warmup ones, timed from the end of the last warmup step to the end of the last. */
    private static double train(LlamaModel model, Path dir, int sequence, int micro, int warmup, int steps)
            throws IOException, DataException {
        int total = warmup + steps;
        long stepTokens = (long) sequence * micro;
        Path shard = dir.resolve("random.bin");
        writeRandomShard(shard, (int) (stepTokens * total * 2 + sequence + 1), model.config().vocabSize());
        TrainingPlan plan = new TrainingPlan(stepTokens * total, sequence, micro, stepTokens, 1e-4, 0, 1L << 50, 0);
        long[] marks = new long[2];
        int[] done = new int[1];
        try (TokenDataset data = TokenDataset.open(shard.toString(), model.config().vocabSize(), null, dir)) {
            Split split = data.split(SplitName.ALL, sequence);
            new Trainer(model, plan, split, dir.resolve("state")).run(false, () -> false, new Trainer.Listener() {
                @Override
                public void step(Trainer.StepReport report) {
                    done[0]++;
                    if (done[0] == warmup) {
                        marks[0] = System.nanoTime();
                    }
                    marks[1] = System.nanoTime();
                }

                @Override
                public void saved(long step, Path stateDirectory) {
                }
            });
        }
        return stepTokens * steps / ((marks[1] - marks[0]) / 1e9);
    }

    private static double infer(LlamaModel model, int sequence, int micro, int warmup, int steps) {
        Random random = new Random(1);
        long[] tokens = new long[sequence * micro];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(model.config().vocabSize());
        }
        long start = 0;
        for (int i = 0; i < warmup + steps; i++) {
            if (i == warmup) {
                start = System.nanoTime();
            }
            try (NDScope scope = new NDScope()) {
                NDArray logits = model.logits(model.manager().create(tokens, new Shape(micro, sequence)));
                logits.get(0, sequence - 1).toFloatArray();
            }
        }
        return (double) sequence * micro * steps / ((System.nanoTime() - start) / 1e9);
    }

    private static void writeRandomShard(Path file, int tokens, int vocab) throws IOException {
        Random random = new Random(2);
        ByteBuffer bytes = ByteBuffer.allocate(tokens * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < tokens; i++) {
            bytes.putShort((short) random.nextInt(vocab));
        }
        Files.write(file, bytes.array());
    }
}
