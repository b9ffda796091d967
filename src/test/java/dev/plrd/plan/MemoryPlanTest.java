package dev.plrd.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.Specs;
import dev.plrd.api.StageName;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Preset;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryPlanTest {
    static final ModelConfig MISTRAL = Preset.MISTRAL_7B_SHAPE.config();

    /** The paper's family on the example's 8 H100s at sequence 4096 and micro-batch 4. */
    static ModelFamilySpec mistralOn(int gpus, String product) {
        ModelFamilySpec spec = Specs.family("mistral-5b", "5B", "mistral-3b", "3.1B");
        spec.training.sequenceLength = 4096;
        spec.training.globalBatchTokens = "4M";
        Specs.gpu(spec).count = gpus;
        Specs.gpu(spec).product = product;
        return spec;
    }

    @Test
    void eachMemberIsPredictedFromItsPlannedRanks() {
        List<MemoryPlan.Prediction> p = MemoryPlan.predict(mistralOn(8, "NVIDIA-H100-80GB-HBM3"), MISTRAL);
        assertThat(p).extracting(MemoryPlan.Prediction::member).containsExactly("mistral-5b", "mistral-3b");
        assertThat(p.get(0).parameters()).isCloseTo(5_000_000_000L, within(25_000_000L));
        assertThat(p.get(1).parameters()).isCloseTo(3_100_000_000L, within(15_500_000L));
        for (MemoryPlan.Prediction m : p) {
            assertThat(m.sequenceLength()).isEqualTo(4096);
            assertThat(m.microBatch()).isEqualTo(Defaults.MICRO_BATCH);
            assertThat(m.memory().state()).isEqualTo(2 * m.parameters());
            // 32 layers of 16,384 tokens do not fit an H100 without checkpointing; checkpointed they do
            assertThat(m.fit()).isEqualTo(MemoryPlan.Fit.NEEDS_CHECKPOINTING);
            assertThat(m.plannedPeak()).isEqualTo(m.memory().peak(true));
            assertThat(m.step().seconds()).isPositive();
            // 1B tokens in 250 steps of 4M
            assertThat(m.trainSeconds()).isCloseTo(250 * m.step().seconds(), within(1e-6));
        }
        assertThat(MemoryPlan.refusal(p)).isEmpty();
    }

    @Test
    void shortWindowsFitWithoutCheckpointing() {
        ModelFamilySpec spec = mistralOn(8, "NVIDIA-H100-80GB-HBM3");
        spec.training.sequenceLength = 512;
        spec.training.microBatch = 1;
        assertThat(MemoryPlan.predict(spec, MISTRAL)).extracting(MemoryPlan.Prediction::fit)
                .containsOnly(MemoryPlan.Fit.FITS);
    }

    @Test
    void aFiveBillionMemberOnOneL4IsRefusedWithItsNumbers() {
        List<MemoryPlan.Prediction> p = MemoryPlan.predict(mistralOn(1, "NVIDIA-L4"), MISTRAL);
        assertThat(p).extracting(MemoryPlan.Prediction::fit).containsOnly(MemoryPlan.Fit.DOES_NOT_FIT);
        String message = MemoryPlan.refusal(p).orElseThrow();
        MemoryPlan.Prediction first = p.get(0);
        assertThat(message).startsWith("member mistral-5b (" + MemoryPlan.count(first.parameters())
                        + " parameters) does not fit: training needs " + MemoryPlan.gib(first.memory().peak(true))
                        + " per GPU even with activation checkpointing (weights ")
                .contains("at sequence length 4096 and micro-batch 4 on 1 GPU(s) of 22.5 GiB, which leave 20.4 GiB usable")
                .contains("optimizer states " + MemoryPlan.gib(first.memory().optimizer()))
                .endsWith("raise spec.scheduling.gpu.count or spec.scheduling.gpu.nodes, or lower spec.training.sequenceLength or "
                        + "spec.training.microBatch");
    }

    @Test
    void gpuMemoryInTheSpecOverridesTheProductAndServesUnknownOnes() {
        ModelFamilySpec unknown = mistralOn(1, "Some-Future-GPU");
        List<MemoryPlan.Prediction> p = MemoryPlan.predict(unknown, MISTRAL);
        assertThat(p).extracting(MemoryPlan.Prediction::fit).containsOnly(MemoryPlan.Fit.UNKNOWN_GPU);
        assertThat(p.get(0).step()).isNull();
        assertThat(MemoryPlan.refusal(p)).isEmpty();

        Specs.gpu(unknown).memory = "24Gi";
        p = MemoryPlan.predict(unknown, MISTRAL);
        assertThat(p.get(0).cardBytes()).isEqualTo(24L << 30);
        assertThat(MemoryPlan.refusal(p)).hasValueSatisfying(m -> assertThat(m).startsWith("member mistral-5b"));
        // known product, but the memory given wins: a 1 TiB card holds the 5B member
        ModelFamilySpec big = mistralOn(1, "NVIDIA-L4");
        Specs.gpu(big).memory = "1Ti";
        assertThat(MemoryPlan.predict(big, MISTRAL)).noneMatch(m -> m.fit() == MemoryPlan.Fit.DOES_NOT_FIT)
                .allSatisfy(m -> assertThat(m.step()).isNotNull());
    }

    @Test
    void nothingIsPredictedWhenTrainingRunsOnCpus() {
        ModelFamilySpec spec = mistralOn(1, "NVIDIA-L4");
        Specs.gpu(spec).stages = List.of(StageName.EVALUATE);
        assertThat(MemoryPlan.predict(spec, MISTRAL)).isEmpty();
        Specs.gpu(spec).stages = null;
        Specs.gpu(spec).count = 0;
        assertThat(MemoryPlan.predict(spec, MISTRAL)).isEmpty();
    }

    @Test
    void theSequenceDefaultsToTheContextCappedAt2048() {
        ModelFamilySpec spec = mistralOn(8, "NVIDIA-H100-80GB-HBM3");
        spec.training.sequenceLength = null;
        assertThat(MemoryPlan.predict(spec, MISTRAL)).extracting(MemoryPlan.Prediction::sequenceLength)
                .containsOnly(2048);
    }

    @Test
    void aMemberThatCannotBePlannedIsNamed() {
        ModelFamilySpec spec = mistralOn(8, "NVIDIA-H100-80GB-HBM3");
        spec.members.get(0).targetParameters = "9B";
        assertThatThrownBy(() -> MemoryPlan.predict(spec, MISTRAL))
                .hasMessageStartingWith("member mistral-5b: target of 9000000000 parameters is not smaller than the model");
    }

    @Test
    void knownHubBasesHaveTheirPresetsArchitecture() {
        assertThat(KnownBases.config("hf://mistralai/Mistral-7B-v0.1@26bca36bde8333b5d7f72e9ed20ccda6a618af24"))
                .hasValueSatisfying(c -> assertThat(ParameterCount.of(c)).isEqualTo(7_241_732_096L));
        assertThat(KnownBases.config("hf://meta-llama/Llama-2-7b-hf"))
                .hasValueSatisfying(c -> assertThat(c.intermediateSize()).isEqualTo(11008));
        assertThat(KnownBases.config("hf://mistralai/Mistral-7B-v0.3")).isEmpty();
        assertThat(KnownBases.config("s3://bucket/mistralai/Mistral-7B-v0.1")).isEmpty();
    }
}
