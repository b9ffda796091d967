package dev.plrd.plan;

import dev.plrd.api.Counts;
import dev.plrd.api.DecompositionSpec;
import dev.plrd.api.GpuSpec;
import dev.plrd.api.MemberSpec;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.StageName;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * GPU memory and time of each member's training, predicted from the spec and the base's config before any
 * stage runs, and the refusal of a family whose training cannot fit its GPUs. Members' ranks come from
 * {@link MemberRanks} with uniform allocation (a spectrum-aware plan lands on the same parameter count;
 * only its ranks, a small activation term, differ).
 */
public final class MemoryPlan {
    /** Whether the training fits one GPU's memory. */
    public enum Fit {
        FITS,
        /** Only with activation checkpointing per block (costing a third more compute). */
        NEEDS_CHECKPOINTING,
        DOES_NOT_FIT,
        /** Neither scheduling.gpu.memory nor a known scheduling.gpu.product says how much memory a GPU has. */
        UNKNOWN_GPU
    }

    /**
     * @param gpus      ranks the training shards over: GPUs per node times nodes
     * @param cardBytes memory of one GPU, or null when unknown
     * @param step      one optimizer step at the assumed MFU, or null when the product's peak is unknown
     */
    public record Prediction(String member, long parameters, int sequenceLength, int microBatch, int gpus,
            String product, TrainingMemory memory, Long cardBytes, Fit fit, StepTime step, long tokens,
            long stepTokens) {
        /** The member's whole training, or NaN without a step time. */
        public double trainSeconds() {
            return step == null ? Double.NaN : step.seconds() * Math.ceil((double) tokens / stepTokens);
        }

        /** The peak the member trains with: without checkpointing where that fits. */
        public long plannedPeak() {
            return memory.peak(fit != Fit.FITS);
        }
    }

    private MemoryPlan() {
    }

    /**
     * One prediction per member, largest first; none when training does not run on GPUs.
     *
     * @throws IllegalArgumentException when a member's size cannot be planned from this base (the decompose
     *                                  stage reports the same)
     */
    public static List<Prediction> predict(ModelFamilySpec spec, ModelConfig base) {
        GpuSpec gpu = Objects.requireNonNullElseGet(spec.scheduling != null ? spec.scheduling.gpu : null, GpuSpec::new);
        int perNode = Defaults.or(gpu.count, Defaults.GPU_COUNT);
        if (perNode < 1 || !Defaults.or(gpu.stages, Defaults.GPU_STAGES).contains(StageName.TRAIN)) {
            return List.of();
        }
        // FSDP shards over every rank of the job, on all its nodes
        int gpus = perNode * Defaults.or(gpu.nodes, Defaults.GPU_NODES);
        Optional<GpuProduct> known = gpu.product == null ? Optional.empty() : GpuProducts.find(gpu.product);
        Long cardBytes = gpu.memory != null ? Long.valueOf(ByteQuantity.parse("spec.scheduling.gpu.memory", gpu.memory))
                : known.map(GpuProduct::memoryBytes).orElse(null);
        List<Projection> projections = Defaults.or(
                Objects.requireNonNullElseGet(spec.decomposition, DecompositionSpec::new).layers, Defaults.LAYERS);

        List<Prediction> predictions = new ArrayList<>();
        ModelConfig parent = base;
        for (MemberSpec m : spec.members) {
            MemberRanks.Size size = m.targetParameters != null
                    ? new MemberRanks.Target(Counts.parse(m.targetParameters)) : new MemberRanks.Fraction(m.rankFraction);
            ModelConfig member;
            try {
                member = MemberRanks.config(parent, MemberRanks.plan(parent, projections, size,
                        MemberRanks.Allocation.UNIFORM, module -> null));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("member " + m.name + ": " + e.getMessage(), e);
            }
            Planner.TrainingSettings training = Planner.TrainingSettings.of(spec.training, m.training);
            int sequenceLength = training.sequenceLength() != null ? training.sequenceLength()
                    : Math.min(member.maxPositionEmbeddings(), Defaults.MAX_DEFAULT_SEQUENCE_LENGTH);
            TrainingMemory memory = TrainingMemory.of(member, sequenceLength, training.microBatch(), gpus);
            Fit fit = fit(memory, cardBytes);
            StepTime step = known.map(p -> StepTime.of(member, memory.parameters(), sequenceLength,
                    training.globalBatchTokens(), gpus, p, fit != Fit.FITS)).orElse(null);
            predictions.add(new Prediction(m.name, memory.parameters(), sequenceLength, training.microBatch(), gpus,
                    gpu.product, memory, cardBytes, fit, step, training.tokens(), training.globalBatchTokens()));
            parent = member;
        }
        return predictions;
    }

    /**
     * The operator's check before any Job: a refusal only where both the base's architecture ({@link KnownBases})
     * and the GPU's memory are known. A member whose ranks cannot be planned is left to the decompose stage,
     * which reports it with the checkpoint in hand.
     */
    public static Optional<String> refusal(ModelFamilySpec spec) {
        Optional<ModelConfig> base = KnownBases.config(spec.base.uri);
        if (base.isEmpty()) {
            return Optional.empty();
        }
        try {
            return refusal(predict(spec, base.get()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The first member that cannot fit, named with its numbers and what to change; empty when all fit. */
    public static Optional<String> refusal(List<Prediction> predictions) {
        return predictions.stream().filter(p -> p.fit() == Fit.DOES_NOT_FIT).findFirst().map(p -> {
            TrainingMemory m = p.memory();
            return String.format(Locale.ROOT, "member %s (%s parameters) does not fit: training needs %s per GPU even "
                    + "with activation checkpointing (weights %s, gradients %s, optimizer states %s, gathered %s, "
                    + "activations %s, logits %s) at sequence length %d and micro-batch %d on %d GPU(s) of %s, "
                    + "which leave %s usable; raise spec.scheduling.gpu.count or spec.scheduling.gpu.nodes, or lower spec.training.sequenceLength "
                    + "or spec.training.microBatch",
                    p.member(), count(p.parameters()), gib(m.peak(true)), gib(m.weights()), gib(m.gradients()),
                    gib(m.optimizer()), gib(m.gathered()), gib(m.checkpointedActivations()), gib(m.logits()),
                    p.sequenceLength(), p.microBatch(), p.gpus(), gib(p.cardBytes()),
                    gib(TrainingMemory.usableBytes(p.cardBytes())));
        });
    }

    private static Fit fit(TrainingMemory memory, Long cardBytes) {
        if (cardBytes == null) {
            return Fit.UNKNOWN_GPU;
        }
        long usable = TrainingMemory.usableBytes(cardBytes);
        if (memory.peak(false) <= usable) {
            return Fit.FITS;
        }
        return memory.peak(true) <= usable ? Fit.NEEDS_CHECKPOINTING : Fit.DOES_NOT_FIT;
    }

    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** {@code 5.00B}, or {@code 3.2M} below a billion. */
    public static String count(long parameters) {
        return parameters >= 1_000_000_000L ? String.format(Locale.ROOT, "%.2fB", parameters / 1e9)
                : String.format(Locale.ROOT, "%.1fM", parameters / 1e6);
    }
}
