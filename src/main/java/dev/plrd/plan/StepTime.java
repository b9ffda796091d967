package dev.plrd.plan;

import dev.plrd.model.ModelConfig;

/**
 * How long one optimizer step takes, from the FLOPs it needs and an assumed share of the cards' peak.
 *
 * <p>Model FLOPs per token are PaLM's (Chowdhery et al. 2022, appendix B): {@code 6P} for the matrix
 * multiplications of forward and backward over every trained parameter, plus {@code 12 L d S} for attention's
 * two S-long products per layer (d = heads x head_dim), which at sequence 4096 adds a third to a 3B member's
 * {@code 6P}. Activation checkpointing runs each block's forward again: {@code 8P + 16 L d S}, 4/3 of it.
 * Step time = global batch tokens x FLOPs per token / (GPUs x bf16 dense peak x MFU).
 *
 * @param flopsPerToken model FLOPs of one trained token (without the recomputation)
 * @param seconds       one optimizer step on these GPUs, at {@link #ASSUMED_MFU}
 */
public record StepTime(double flopsPerToken, double seconds) {
    /**
     * An assumption, not a measurement: FSDP2 in bfloat16 with flash attention reaches about 40% of the
     * dense peak on 7B-width models (torchtitan's published Llama runs on H100s sit near it);
     * {@code make gpu-check} measures the real figure on a card.
     */
    public static final double ASSUMED_MFU = 0.40;
    private static final double RECOMPUTE = 4.0 / 3.0;

    public static StepTime of(ModelConfig member, long parameters, int sequenceLength, long stepTokens, int gpus,
            GpuProduct product, boolean checkpointing) {
        double attention = 12.0 * member.numHiddenLayers() * member.numAttentionHeads() * member.headDim()
                * sequenceLength;
        double perToken = 6.0 * parameters + attention;
        double work = stepTokens * perToken * (checkpointing ? RECOMPUTE : 1);
        return new StepTime(perToken, work / (gpus * product.bf16PeakFlops() * ASSUMED_MFU));
    }
}
