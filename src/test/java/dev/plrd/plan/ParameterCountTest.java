package dev.plrd.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterCountTest {
    static final String MISTRAL_7B = """
            {"architectures": ["MistralForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
             "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 32000,
             "rope_theta": 10000.0, "rms_norm_eps": 1e-05, "max_position_embeddings": 32768,
             "sliding_window": 4096, "tie_word_embeddings": false, "torch_dtype": "bfloat16"}""";
    static final String LLAMA2_7B = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 11008,
             "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000,
             "rms_norm_eps": 1e-05, "max_position_embeddings": 4096, "tie_word_embeddings": false,
             "torch_dtype": "float16"}""";

    @Test
    void knownModelsCountExactly() throws Exception {
        assertThat(ParameterCount.of(ModelConfig.parse(MISTRAL_7B))).isEqualTo(7_241_732_096L);
        assertThat(ParameterCount.of(ModelConfig.parse(LLAMA2_7B))).isEqualTo(6_738_415_616L);
    }

    @Test
    void factoredLayersCountTheirTwoFactors() throws Exception {
        ModelConfig mistral = ModelConfig.parse(MISTRAL_7B);
        RankPlan plan = MemberRanks.plan(mistral, List.of(Projection.values()), new MemberRanks.Fraction(0.25),
                MemberRanks.Allocation.UNIFORM, module -> null);
        ModelConfig member = MemberRanks.config(mistral, plan);
        // q, o: 1024 x (4096 + 4096); k, v: 256 x (1024 + 4096); gate, up, down: 1024 x (14336 + 4096)
        long perLayer = 2L * 1024 * 8192 + 2L * 256 * 5120 + 3L * 1024 * 18432;
        long expected = 7_241_732_096L - 32L * 218_103_808 + 32L * perLayer;
        assertThat(ParameterCount.of(member)).isEqualTo(expected).isEqualTo(plan.parameters());
        assertThat(member.plrd().rank("model.layers.31.mlp.down_proj")).hasValue(1024);
        assertThat(member.plrd().rank("model.layers.0.self_attn.k_proj")).hasValue(256);
    }

    @Test
    void targetsLandWithinHalfAPercentOnTheRealShapes() throws Exception {
        for (String json : List.of(MISTRAL_7B, LLAMA2_7B)) {
            ModelConfig base = ModelConfig.parse(json);
            for (long target : new long[] {5_000_000_000L, 3_300_000_000L, 3_100_000_000L}) {
                RankPlan plan = MemberRanks.plan(base, List.of(Projection.values()), new MemberRanks.Target(target),
                        MemberRanks.Allocation.UNIFORM, module -> null);
                assertThat(Math.abs(ParameterCount.of(MemberRanks.config(base, plan)) - target))
                        .isLessThanOrEqualTo(target / 200);
            }
        }
    }

    @Test
    void aProgressiveMemberCanOnlyLowerRanks() throws Exception {
        ModelConfig mistral = ModelConfig.parse(MISTRAL_7B);
        ModelConfig five = MemberRanks.config(mistral, MemberRanks.plan(mistral, List.of(Projection.values()),
                new MemberRanks.Target(5_000_000_000L), MemberRanks.Allocation.UNIFORM, m -> null));
        RankPlan three = MemberRanks.plan(five, List.of(Projection.values()), new MemberRanks.Target(3_100_000_000L),
                MemberRanks.Allocation.UNIFORM, m -> null);
        three.ranks().forEach((module, rank) ->
                assertThat(rank).as(module).isLessThanOrEqualTo(five.plrd().rank(module).getAsInt()));
        // only attention chosen: the MLP keeps the parent's ranks
        RankPlan attentionOnly = MemberRanks.plan(five, List.of(Projection.Q, Projection.K, Projection.V, Projection.O),
                new MemberRanks.Fraction(0.1), MemberRanks.Allocation.UNIFORM, m -> null);
        assertThat(attentionOnly.ranks().get("model.layers.5.mlp.up_proj"))
                .isEqualTo(five.plrd().rank("model.layers.5.mlp.up_proj").getAsInt());
        assertThat(attentionOnly.ranks().get("model.layers.5.self_attn.q_proj")).isEqualTo(410);
        assertThat(attentionOnly.parameters()).isEqualTo(ParameterCount.of(MemberRanks.config(five, attentionOnly)));
    }
}
