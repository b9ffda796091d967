package dev.plrd.model;

import java.util.Locale;

/**
 * Model shapes to start from without downloading anything: a tiny Llama with random weights for
 * tests and {@code make run}, and the configs of two 7B models (no weights) for planning and dry
 * runs.
 */
public enum Preset {
    /** About 3.2M parameters: 4 layers, hidden 256, grouped-query attention (8 heads, 4 KV heads). */
    TINY("""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 256,
             "intermediate_size": 688, "num_hidden_layers": 4, "num_attention_heads": 8,
             "num_key_value_heads": 4, "vocab_size": 512, "rope_theta": 10000.0, "rms_norm_eps": 1e-05,
             "max_position_embeddings": 512, "tie_word_embeddings": false, "torch_dtype": "float32"}""", true),
    MISTRAL_7B_SHAPE("""
            {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 4096,
             "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
             "num_key_value_heads": 8, "vocab_size": 32000, "rope_theta": 10000.0, "rms_norm_eps": 1e-05,
             "max_position_embeddings": 32768, "sliding_window": 4096, "tie_word_embeddings": false,
             "torch_dtype": "bfloat16"}""", false),
    LLAMA2_7B_SHAPE("""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
             "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32,
             "num_key_value_heads": 32, "vocab_size": 32000, "rope_theta": 10000.0, "rms_norm_eps": 1e-05,
             "max_position_embeddings": 4096, "tie_word_embeddings": false, "torch_dtype": "float16"}""", false);

    private final String configJson;
    private final boolean weights;

    Preset(String configJson, boolean weights) {
        this.configJson = configJson;
        this.weights = weights;
    }

    /** {@code tiny}, {@code mistral-7b-shape}, {@code llama2-7b-shape}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public ModelConfig config() {
        try {
            return ModelConfig.parse(configJson);
        } catch (CheckpointException e) {
            throw new IllegalStateException("preset " + id() + " has a broken config", e);
        }
    }

    /** Whether init-model writes random weights for it, or the config alone. */
    public boolean hasWeights() {
        return weights;
    }

    public static Preset fromId(String id) {
        for (Preset p : values()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + id + "': expected tiny, mistral-7b-shape or "
                + "llama2-7b-shape");
    }
}
