package dev.plrd.plan;

import dev.plrd.api.FactorSplit;
import dev.plrd.api.Precision;
import dev.plrd.model.Projection;
import dev.plrd.api.RankAllocation;
import dev.plrd.api.StageName;
import dev.plrd.api.SvdMethod;
import java.util.List;

/**
 * What an unset spec field means. Resolved in code rather than written into the CRD schema so
 * that the operator never writes spec and the manifest in Git stays what the user applied.
 */
public final class Defaults {
    private Defaults() {
    }

    /** About what the paper spent healing each member. */
    public static final String TRAINING_TOKENS = "1B";
    /**
     * The longest default window of training and evaluation, the paper's; a model with a shorter context gets its
     * context. A model with a 32k context is not trained at 32k unless the spec asks: memory grows with it.
     */
    public static final int MAX_DEFAULT_SEQUENCE_LENGTH = 2048;
    public static final int MICRO_BATCH = 4;
    public static final String GLOBAL_BATCH_TOKENS = "1M";
    /** Continual pretraining: well below the peak rate of pretraining from scratch. */
    public static final double LEARNING_RATE = 1e-4;
    public static final int WARMUP_STEPS = 50;
    public static final String CHECKPOINT_EVERY_TOKENS = "50M";
    public static final Precision PRECISION = Precision.Mixed;

    public static final String EVALUATION_TOKENS = "10M";
    public static final long EVALUATION_SEED = 0;

    public static final List<Projection> LAYERS = List.of(Projection.values());
    public static final RankAllocation ALLOCATION = RankAllocation.Uniform;
    public static final SvdMethod METHOD = SvdMethod.EXACT;
    public static final FactorSplit SPLIT = FactorSplit.Balanced;

    public static final int GPU_COUNT = 1;
    public static final int GPU_NODES = 1;
    public static final List<StageName> GPU_STAGES = List.of(StageName.TRAIN);
    public static final int RETRIES = 3;
    public static final String STARTUP_TIMEOUT = "1h";
    public static final String RUN_TIMEOUT = "72h";

    public static final String STORAGE_SIZE = "200Gi";

    public static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
