package dev.plrd.testing;

/** The smallest Llama the tests train and decompose: two layers, hidden 64, grouped-query attention, 96 ids. */
public final class MicroModel {
    public static final String CONFIG = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 160,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 96,
             "rms_norm_eps": 1e-05, "max_position_embeddings": 128, "torch_dtype": "float32"}""";
    public static final int VOCAB = 96;

    private MicroModel() {
    }
}
