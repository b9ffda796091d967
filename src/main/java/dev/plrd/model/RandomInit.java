package dev.plrd.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a checkpoint of a config with random weights, as a fresh Llama is initialised:
 * linears and embeddings from N(0, 0.02^2), norms at 1. Seeded per tensor, so the same seed gives
 * the same file whatever the order tensors are written in.
 */
public final class RandomInit {
    static final double STD = 0.02;

    private RandomInit() {
    }

    public static void write(ModelConfig config, Path to, long seed) throws IOException {
        List<TensorInfo> layout = LlamaLayout.expected(config, DType.F32);
        try (CheckpointWriter writer = CheckpointWriter.create(to, config, layout)) {
            for (TensorInfo info : layout) {
                float[] data = new float[Math.toIntExact(info.elements())];
                if (info.shape().length == 1) {
                    java.util.Arrays.fill(data, 1f);
                } else {
                    SplittableRandom random = new SplittableRandom(seed ^ info.name().hashCode() * 0x9E3779B97F4A7C15L);
                    for (int i = 0; i < data.length; i++) {
                        data[i] = (float) (gaussian(random) * STD);
                    }
                }
                writer.write(new Tensor(info.name(), info.dtype(), info.shape(), data));
            }
            writer.commit();
        }
    }

    /** Box-Muller; SplittableRandom has no nextGaussian on Java 17. */
    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
