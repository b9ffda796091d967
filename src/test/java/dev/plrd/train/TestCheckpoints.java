package dev.plrd.train;

import dev.plrd.decompose.ExactSvd;
import dev.plrd.decompose.Factors;
import dev.plrd.decompose.Matrix;
import dev.plrd.decompose.Split;
import dev.plrd.model.Checkpoint;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.CheckpointWriter;
import dev.plrd.model.DType;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.PlrdSection;
import dev.plrd.model.Projection;
import dev.plrd.model.Tensor;
import dev.plrd.model.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small configs and checkpoints with weights large enough that attention is far from uniform. */
final class TestCheckpoints {
    /** Grouped-query attention (4 heads sharing 2 key/value heads), every dimension distinct from the others. */
    static final String SMALL = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32,
             "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "vocab_size": 50, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "max_position_embeddings": 64,
             "tie_word_embeddings": false, "torch_dtype": "float32"}""";

    private TestCheckpoints() {
    }

    static ModelConfig small() throws CheckpointException {
        return ModelConfig.parse(SMALL);
    }

    static ModelConfig tied() throws CheckpointException {
        return ModelConfig.parse(SMALL.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true"));
    }

    /** Mistral with a window shorter than the test sequences, so that it masks something. */
    static ModelConfig mistral(int slidingWindow) throws CheckpointException {
        return ModelConfig.parse(SMALL.replace("LlamaForCausalLM", "MistralForCausalLM").replace("\"llama\"", "\"mistral\"")
                .replace("\"torch_dtype\"", "\"sliding_window\": " + slidingWindow + ", \"torch_dtype\""));
    }

    /**
     * Random weights: embeddings N(0, 1), linears N(0, 0.2^2) so that attention scores spread over several units,
     * norm weights 1 + N(0, 0.2^2) so that a swapped norm shows.
     */
    static void write(ModelConfig config, Path dir, long seed, DType dtype) throws IOException {
        Random random = new Random(seed);
        List<TensorInfo> layout = LlamaLayout.expected(config, dtype);
        try (CheckpointWriter writer = CheckpointWriter.create(dir, config, layout)) {
            for (TensorInfo info : layout) {
                float[] data = new float[Math.toIntExact(info.elements())];
                boolean embedding = info.name().equals(LlamaLayout.EMBED_TOKENS) || info.name().equals(LlamaLayout.LM_HEAD);
                for (int i = 0; i < data.length; i++) {
                    double g = random.nextGaussian();
                    data[i] = (float) (info.shape().length == 1 ? 1 + 0.2 * g : embedding ? g : 0.2 * g);
                }
                writer.write(new Tensor(info.name(), dtype, info.shape(), data));
            }
            writer.commit();
        }
    }

    /** The same model with every projection factored at full rank by an exact SVD, A = U S^1/2, B = S^1/2 V^T. */
    static void factorFullRank(Path dense, Path factored) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(dense)) {
            ModelConfig config = checkpoint.config();
            Map<String, Integer> ranks = new LinkedHashMap<>();
            for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
                for (Projection p : Projection.values()) {
                    ranks.put(LlamaLayout.modulePath(layer, p), Math.min(p.outFeatures(config), p.inFeatures(config)));
                }
            }
            ModelConfig factoredConfig = config.withPlrd(new PlrdSection(ranks, Map.of()));
            List<TensorInfo> layout = LlamaLayout.expected(factoredConfig, DType.F32);
            try (CheckpointWriter writer = CheckpointWriter.create(factored, factoredConfig, layout)) {
                for (TensorInfo info : layout) {
                    String name = info.name();
                    if (name.endsWith(".A.weight") || name.endsWith(".B.weight")) {
                        String module = name.substring(0, name.length() - ".A.weight".length());
                        Tensor w = checkpoint.read(LlamaLayout.denseWeight(module));
                        Factors f = ExactSvd.truncate(new Matrix(w.rows(), w.cols(), w.data()), ranks.get(module), Split.BALANCED);
                        Matrix m = name.endsWith(".A.weight") ? f.a() : f.b();
                        writer.write(new Tensor(name, DType.F32, info.shape(), m.data()));
                    } else {
                        writer.write(checkpoint.read(name));
                    }
                }
                writer.commit();
            }
        }
    }

    /** config with the given rank on each projection of every layer. */
    static ModelConfig lowRank(ModelConfig config, Map<Projection, Integer> rank) {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            for (Map.Entry<Projection, Integer> e : rank.entrySet()) {
                ranks.put(LlamaLayout.modulePath(layer, e.getKey()), e.getValue());
            }
        }
        return config.withPlrd(new PlrdSection(ranks, Map.of("split", "balanced")));
    }

    static long[][] tokens(int batch, int length, int vocab, long seed) {
        Random random = new Random(seed);
        long[][] tokens = new long[batch][length];
        for (long[] row : tokens) {
            for (int t = 0; t < length; t++) {
                row[t] = random.nextInt(vocab);
            }
        }
        return tokens;
    }
}
