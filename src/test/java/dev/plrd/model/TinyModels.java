package dev.plrd.model;

import java.util.List;
import java.util.stream.IntStream;

/** Small configs and deterministic tensors for checkpoint tests. */
final class TinyModels {
    /** Two layers, grouped-query attention (2 heads, 1 kv head), every dimension distinct so a swapped shape shows. */
    static final String TINY_LLAMA = """
            {
              "architectures": ["LlamaForCausalLM"],
              "model_type": "llama",
              "hidden_size": 8,
              "intermediate_size": 12,
              "num_hidden_layers": 2,
              "num_attention_heads": 2,
              "num_key_value_heads": 1,
              "vocab_size": 10,
              "rms_norm_eps": 1e-05,
              "bos_token_id": 1
            }
            """;

    private TinyModels() {
    }

    static ModelConfig tiny() throws CheckpointException {
        return ModelConfig.parse(TINY_LLAMA);
    }

    static ModelConfig tinyTied() throws CheckpointException {
        return ModelConfig.parse(TINY_LLAMA.replace("\"bos_token_id\": 1", "\"tie_word_embeddings\": true"));
    }

    /**
     * Values k/8 for small integers k, exact in every dtype, so round trips compare exactly; seeded by the
     * tensor's position so that two tensors never hold the same data.
     */
    static Tensor tensorFor(TensorInfo info, int seed) {
        float[] data = new float[Math.toIntExact(info.elements())];
        for (int i = 0; i < data.length; i++) {
            data[i] = ((i * 7 + seed * 3) % 29 - 14) / 8f;
        }
        return new Tensor(info.name(), info.dtype(), info.shape(), data);
    }

    static List<Tensor> tensorsFor(List<TensorInfo> layout) {
        return IntStream.range(0, layout.size()).mapToObj(i -> tensorFor(layout.get(i), i)).toList();
    }
}
