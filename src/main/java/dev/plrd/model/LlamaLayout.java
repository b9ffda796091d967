package dev.plrd.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The tensor names and shapes of a Llama/Mistral checkpoint, in canonical order. Names and shapes follow Hugging
 * Face ({@code [out, in]} for a linear) except for factored linears:
 *
 * <pre>
 * model.embed_tokens.weight                      [vocab, hidden]
 * per layer i:
 *   model.layers.{i}.input_layernorm.weight          [hidden]
 *   model.layers.{i}.post_attention_layernorm.weight [hidden]
 *   per projection (self_attn.q_proj ... mlp.down_proj), dense:
 *     model.layers.{i}.{module}.weight               [out, in]
 *   or factored with rank r (config.json plrd.ranks names the module):
 *     model.layers.{i}.{module}.A.weight             [out, r]
 *     model.layers.{i}.{module}.B.weight             [r, in]
 * model.norm.weight                              [hidden]
 * lm_head.weight                                 [vocab, hidden]   (absent when tie_word_embeddings)
 * </pre>
 *
 * A factored module computes {@code A(B(x))}, both bias-free linears, so {@code W ~ A B}: B projects the input
 * down to r features, A projects back up. Storing A and B as ordinary linear weights lets a loader build the
 * pair from nn.Linear(in, r) and nn.Linear(r, out) without any new tensor convention.
 */
public final class LlamaLayout {
    public static final String EMBED_TOKENS = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";
    /** The suffix of a rotary-embedding cache tensor, e.g. {@code model.layers.0.self_attn.rotary_emb.inv_freq}. */
    public static final String ROTARY_CACHE = ".rotary_emb.inv_freq";

    private LlamaLayout() {
    }

    /** e.g. {@code model.layers.3.self_attn.q_proj}: the key of config.json plrd.ranks. */
    public static String modulePath(int layer, Projection projection) {
        return "model.layers." + layer + "." + projection.module();
    }

    public static String denseWeight(String module) {
        return module + ".weight";
    }

    /** The up-projection [out, r], applied second. */
    public static String factorA(String module) {
        return module + ".A.weight";
    }

    /** The down-projection [r, in], applied first. */
    public static String factorB(String module) {
        return module + ".B.weight";
    }

    /** Every tensor the config implies, in canonical order, each stored as dtype. */
    public static List<TensorInfo> expected(ModelConfig config, DType dtype) {
        long hidden = config.hiddenSize();
        long vocab = config.vocabSize();
        List<TensorInfo> tensors = new ArrayList<>();
        tensors.add(new TensorInfo(EMBED_TOKENS, dtype, new long[] {vocab, hidden}));
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            String prefix = "model.layers." + layer + ".";
            tensors.add(new TensorInfo(prefix + "input_layernorm.weight", dtype, new long[] {hidden}));
            tensors.add(new TensorInfo(prefix + "post_attention_layernorm.weight", dtype, new long[] {hidden}));
            for (Projection projection : Projection.values()) {
                String module = modulePath(layer, projection);
                long out = projection.outFeatures(config);
                long in = projection.inFeatures(config);
                OptionalInt rank = config.plrd().rank(module);
                if (rank.isPresent()) {
                    tensors.add(new TensorInfo(factorA(module), dtype, new long[] {out, rank.getAsInt()}));
                    tensors.add(new TensorInfo(factorB(module), dtype, new long[] {rank.getAsInt(), in}));
                } else {
                    tensors.add(new TensorInfo(denseWeight(module), dtype, new long[] {out, in}));
                }
            }
        }
        tensors.add(new TensorInfo(FINAL_NORM, dtype, new long[] {hidden}));
        if (!config.tieWordEmbeddings()) {
            tensors.add(new TensorInfo(LM_HEAD, dtype, new long[] {vocab, hidden}));
        }
        return List.copyOf(tensors);
    }

    /**
     * How many tensors {@link #expected} lists, computed without listing them, so that a config claiming a billion
     * layers is refused before anything of that size is built.
     */
    public static long expectedCount(ModelConfig config) {
        long perLayer = 2 + Projection.values().length;
        return 2 + (long) config.numHiddenLayers() * perLayer + config.plrd().ranks().size()
                + (config.tieWordEmbeddings() ? 0 : 1);
    }

    /**
     * The tensors of actual that the config does not account for, in actual's order: a checkpoint with more layers
     * than its config says would otherwise lose them silently. Rotary caches ({@value #ROTARY_CACHE}), which
     * older transformers saved and which are recomputed from the config, are accounted for.
     */
    public static List<String> unexpected(ModelConfig config, Collection<TensorInfo> actual) {
        Set<String> expected = expected(config, DType.F32).stream().map(TensorInfo::name).collect(Collectors.toSet());
        return actual.stream().map(TensorInfo::name)
                .filter(name -> !expected.contains(name) && !name.endsWith(ROTARY_CACHE)).toList();
    }

    /**
     * What keeps actual from holding the tensors the config requires: one line per missing tensor or wrong shape,
     * empty when it matches. Dtypes may differ; tensors beyond the config are {@link #unexpected}.
     */
    public static List<String> mismatches(ModelConfig config, Collection<TensorInfo> actual) {
        Map<String, TensorInfo> byName = actual.stream().collect(Collectors.toMap(TensorInfo::name, Function.identity(), (a, b) -> a));
        List<String> problems = new ArrayList<>();
        for (TensorInfo wanted : expected(config, DType.F32)) {
            TensorInfo found = byName.get(wanted.name());
            if (found == null) {
                problems.add("missing tensor " + wanted.name() + " of shape " + Arrays.toString(wanted.shape()));
            } else if (!found.sameShape(wanted.shape())) {
                problems.add("tensor " + wanted.name() + " has shape " + Arrays.toString(found.shape())
                        + ", the config expects " + Arrays.toString(wanted.shape()));
            }
        }
        return problems;
    }
}
