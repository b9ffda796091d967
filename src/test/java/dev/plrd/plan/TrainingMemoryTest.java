package dev.plrd.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Preset;
import dev.plrd.model.Projection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The memory formula on a Llama-2-7B-shaped member at 3.1B parameters, sequence 4096, micro-batch 4, on 8 H100s,
 * every term worked out by hand below. Rank 1136 in all 7 projections of all 32 layers gives the member:
 * a layer holds 4 x 1136 x (4096 + 4096) + 3 x 1136 x (4096 + 11008) = 88,698,880 projection parameters and
 * 2 x 4096 norm weights; embeddings and lm_head 2 x 32000 x 4096 and the final norm 4096 make the root's
 * 262,148,096; in all 32 x 88,707,072 + 262,148,096 = 3,100,774,400.
 */
class TrainingMemoryTest {
    static final int RANK = 1136;
    static final long PARAMETERS = 3_100_774_400L;
    static final long GIB = 1L << 30;

    static ModelConfig llamaMember() {
        ModelConfig base = Preset.LLAMA2_7B_SHAPE.config();
        Map<String, Integer> ranks = new LinkedHashMap<>();
        for (int layer = 0; layer < base.numHiddenLayers(); layer++) {
            for (Projection p : Projection.values()) {
                ranks.put(LlamaLayout.modulePath(layer, p), RANK);
            }
        }
        return base.withPlrd(base.plrd().withRanks(ranks));
    }

    @Test
    void llamaShapedMemberOnEightH100s() {
        TrainingMemory m = TrainingMemory.of(llamaMember(), 4096, 4, 8);
        assertThat(m.parameters()).isEqualTo(PARAMETERS);
        // float32 weights and gradients, 4 bytes each, and AdamW's two float32 moments, all split over 8 ranks:
        // 16 x 3,100,774,400 / 8 = 6,201,548,800 bytes (5.8 GiB), where one GPU alone would need 46.2 GiB
        assertThat(m.weights()).isEqualTo(1_550_387_200L);
        assertThat(m.gradients()).isEqualTo(1_550_387_200L);
        assertThat(m.optimizer()).isEqualTo(3_100_774_400L);
        assertThat(m.state()).isEqualTo(6_201_548_800L);
        // root 262,148,096 x (2 bf16 weights + 2 bf16 gradients) + largest block 88,707,072 x (2 x 2 bf16 blocks
        // gathered + 2 bf16 gradient + 4 float32 reduce-scatter copy)
        assertThat(m.gathered()).isEqualTo(262_148_096L * 4 + 88_707_072L * 10);
        // 16,384 tokens a micro-batch; a block keeps 4 x 4096 (norms) + 2 x 4096 (q, attention out) + 2 x 4096
        // (k, v: 32 KV heads) + 4 x 11008 (MLP) + 7 x 1136 (the factored pairs' middles) = 84,752 bf16 values a
        // token: 2.6 GiB a layer, 82.8 GiB for 32, plus the final norm's 2 x 4096
        long perTokenBlock = 4 * 4096 + 2 * 4096 + 2 * 4096 + 4 * 11008 + 7 * RANK;
        assertThat(perTokenBlock).isEqualTo(84_752);
        long tokens = 4096L * 4;
        assertThat(m.activations()).isEqualTo(32 * perTokenBlock * tokens * 2 + 2 * 4096 * tokens * 2)
                .isEqualTo(89_137_348_608L);
        // checkpointed: 32 block inputs (4 GiB), one block recomputed (2.6 GiB), the final norm
        assertThat(m.checkpointedActivations()).isEqualTo(32 * 4096 * tokens * 2 + perTokenBlock * tokens * 2
                + 2 * 4096 * tokens * 2).isEqualTo(7_340_556_288L);
        // 16,384 x 32,000 logits: bf16 (2) + float32 log-probabilities (4) + their float32 gradient (4)
        assertThat(m.logits()).isEqualTo(5_242_880_000L);
        assertThat(m.peak(false)).isEqualTo(102_517_440_512L);
        assertThat(m.peak(true)).isEqualTo(20_720_648_192L);

        // an H100 SXM (81,559 MiB) leaves (79.6 GiB - 1 GiB) x 0.95 = 74.7 GiB: the member needs checkpointing
        long usable = TrainingMemory.usableBytes(GpuProducts.find("NVIDIA-H100-80GB-HBM3").orElseThrow().memoryBytes());
        assertThat(usable).isEqualTo(80_224_714_752L);
        assertThat(m.peak(false)).isGreaterThan(usable);
        assertThat(m.peak(true)).isLessThan(usable);
    }

    @Test
    void onlyTheShardedStateShrinksWithMoreGpus() {
        TrainingMemory one = TrainingMemory.of(llamaMember(), 4096, 4, 1);
        TrainingMemory eight = TrainingMemory.of(llamaMember(), 4096, 4, 8);
        assertThat(one.state()).isEqualTo(16 * PARAMETERS).isEqualTo(8 * eight.state());
        assertThat(one.gathered()).isEqualTo(eight.gathered());
        assertThat(one.activations()).isEqualTo(eight.activations());
        assertThat(one.logits()).isEqualTo(eight.logits());
    }

    @Test
    void activationsAndLogitsScaleWithTheTokensOfAMicroBatch() {
        TrainingMemory base = TrainingMemory.of(llamaMember(), 2048, 2, 8);
        TrainingMemory doubled = TrainingMemory.of(llamaMember(), 4096, 2, 8);
        assertThat(doubled.activations()).isEqualTo(2 * base.activations());
        assertThat(doubled.checkpointedActivations()).isEqualTo(2 * base.checkpointedActivations());
        assertThat(doubled.logits()).isEqualTo(2 * base.logits());
        assertThat(doubled.state()).isEqualTo(base.state());
    }

    @Test
    void aDenseLayerKeepsNoRankFeatures() {
        ModelConfig dense = Preset.LLAMA2_7B_SHAPE.config();
        TrainingMemory d = TrainingMemory.of(dense, 4096, 4, 8);
        TrainingMemory f = TrainingMemory.of(llamaMember(), 4096, 4, 8);
        assertThat(f.activations() - d.activations()).isEqualTo(32L * 7 * RANK * 4096 * 4 * 2);
        assertThat(d.parameters()).isEqualTo(6_738_415_616L);
    }

    @Test
    void groupedQueryAttentionKeepsSmallerKeysAndValues() {
        ModelConfig mistral = Preset.MISTRAL_7B_SHAPE.config();
        // 8 KV heads of 128: k and v are 1024 wide, not 4096; the MLP is 14336 wide
        long perToken = 4 * 4096 + 2 * 4096 + 2 * 1024 + 4 * 14336;
        assertThat(TrainingMemory.of(mistral, 1, 1, 1).activations()).isEqualTo(32 * perToken * 2 + 2 * 4096 * 2);
    }

    @Test
    void aZeroShapeIsRefusedNamingIt() {
        assertThatThrownBy(() -> TrainingMemory.of(llamaMember(), 4096, 0, 8))
                .hasMessage("sequence length 4096, micro-batch 0 and GPUs 8 must all be at least 1");
    }
}
