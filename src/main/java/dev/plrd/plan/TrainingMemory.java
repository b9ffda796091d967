package dev.plrd.plan;

import dev.plrd.model.DType;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import dev.plrd.model.TensorInfo;
import java.util.Arrays;

/**
 * Bytes per GPU of one member's training on the PyTorch engine, term by term: FSDP2 {@code fully_shard} per
 * decoder block and on the root, bfloat16 compute with float32 master weights and gradient reductions, AdamW,
 * {@code scaled_dot_product_attention} (flash: no S x S score matrix), optional activation checkpointing per
 * block. P is the member's parameter count, N the GPUs, T = micro-batch x sequence length the tokens of one
 * forward pass, L layers, H hidden size, I intermediate size, V vocabulary.
 *
 * <ul>
 *   <li>{@code weights}, {@code gradients}: float32, sharded: 4P/N each.
 *   <li>{@code optimizer}: AdamW's two float32 moments, sharded: 8P/N. With the two above, 16P/N.
 *   <li>{@code gathered}: what FSDP2 unshards at a time: the root's bfloat16 parameters (embeddings, final norm,
 *       lm_head), which it keeps for the whole step, and their bfloat16 gradients held until the root's
 *       reduce-scatter at the end of backward (4 bytes per root parameter); per block, the current and the
 *       prefetched block's bfloat16 parameters, and one block's bfloat16 gradient with its float32 copy for the
 *       reduce-scatter (2 x 2 + 2 + 4 = 10 bytes per parameter of the largest block).
 *   <li>{@code activations}: what autograd keeps for backward, in bfloat16 (2 bytes), per token and block:
 *       the two norms' inputs and outputs (4H), q and the attention output (2 x heads x head_dim), k and v
 *       (2 x kv_heads x head_dim), the MLP's gate, SiLU(gate), up and their product (4I), and the r features
 *       between B and A of each factored projection (the sum of the block's ranks); plus the final norm's input
 *       and output (2H). Attention itself keeps only its log-sum-exp, one float per head.
 *   <li>{@code checkpointedActivations}: with checkpointing, each block keeps only its input (H per token),
 *       and backward recomputes one block at a time, holding that block's full activations once.
 *   <li>{@code logits}: T x V, the largest single tensor at 7B widths: bfloat16 logits (2 bytes), float32
 *       log-probabilities kept by the cross-entropy (4) and their float32 gradient in backward (4): 10 bytes.
 * </ul>
 * The caching allocator's fragmentation and the CUDA context are not in these terms: {@link #usableBytes}
 * takes them off the card instead.
 */
public record TrainingMemory(long parameters, long weights, long gradients, long optimizer, long gathered,
        long activations, long checkpointedActivations, long logits) {
    private static final String LAYER_PREFIX = "model.layers.";
    static final int BF16 = 2;
    static final int F32 = 4;
    /** CUDA context, cuBLAS workspaces and NCCL buffers, outside PyTorch's allocator. */
    public static final long RESERVED_BYTES = 1L << 30;
    /** The share of the rest the caching allocator loses to fragmentation. */
    public static final double FRAGMENTATION = 0.05;

    public static TrainingMemory of(ModelConfig member, int sequenceLength, int microBatch, int gpus) {
        if (sequenceLength < 1 || microBatch < 1 || gpus < 1) {
            throw new IllegalArgumentException("sequence length " + sequenceLength + ", micro-batch " + microBatch
                    + " and GPUs " + gpus + " must all be at least 1");
        }
        long parameters = ParameterCount.of(member);
        long[] blocks = blockParameters(member);
        long largestBlock = Arrays.stream(blocks).max().orElse(0);
        long root = parameters - Arrays.stream(blocks).sum();
        long tokens = (long) sequenceLength * microBatch;
        long hidden = member.hiddenSize();
        long largestBlockActivations = 0;
        long allBlockActivations = 0;
        for (int layer = 0; layer < member.numHiddenLayers(); layer++) {
            long perToken = blockActivationsPerToken(member, layer);
            largestBlockActivations = Math.max(largestBlockActivations, perToken);
            allBlockActivations += perToken;
        }
        long head = 2 * hidden * tokens * BF16;
        long checkpointInputs = member.numHiddenLayers() * hidden * tokens * BF16;
        return new TrainingMemory(parameters,
                ceilDiv(F32 * parameters, gpus),
                ceilDiv(F32 * parameters, gpus),
                ceilDiv(2L * F32 * parameters, gpus),
                root * (BF16 + BF16) + largestBlock * (2 * BF16 + BF16 + F32),
                allBlockActivations * tokens * BF16 + head,
                checkpointInputs + largestBlockActivations * tokens * BF16 + head,
                tokens * member.vocabSize() * (BF16 + F32 + F32));
    }

    /** Weights, gradients and optimizer states: what stays on the GPU between steps. */
    public long state() {
        return weights + gradients + optimizer;
    }

    /** The most the step holds at once, with or without activation checkpointing. */
    public long peak(boolean checkpointing) {
        return state() + gathered + logits + (checkpointing ? checkpointedActivations : activations);
    }

    /** What a card of this size leaves for the terms above. */
    public static long usableBytes(long cardBytes) {
        return (long) ((cardBytes - RESERVED_BYTES) * (1 - FRAGMENTATION));
    }

    /** Parameters of each decoder block, indexed by layer: what one block's fully_shard gathers. */
    private static long[] blockParameters(ModelConfig config) {
        long[] blocks = new long[config.numHiddenLayers()];
        for (TensorInfo t : LlamaLayout.expected(config, DType.F32)) {
            if (t.name().startsWith(LAYER_PREFIX)) {
                String rest = t.name().substring(LAYER_PREFIX.length());
                blocks[Integer.parseInt(rest.substring(0, rest.indexOf('.')))] += t.elements();
            }
        }
        return blocks;
    }

    private static long blockActivationsPerToken(ModelConfig config, int layer) {
        long hidden = config.hiddenSize();
        long attention = (long) config.numAttentionHeads() * config.headDim();
        long keyValue = (long) config.numKeyValueHeads() * config.headDim();
        long ranks = 0;
        for (Projection p : Projection.values()) {
            ranks += config.plrd().rank(LlamaLayout.modulePath(layer, p)).orElse(0);
        }
        return 4 * hidden + 2 * attention + 2 * keyValue + 4L * config.intermediateSize() + ranks;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
