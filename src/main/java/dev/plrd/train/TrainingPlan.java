package dev.plrd.train;

import java.util.Locale;

/**
 * How a token budget becomes optimizer steps. A micro-batch is {@code microBatch} sequences of
 * {@code sequenceLength} tokens; micro-batches are accumulated to the global batch; training runs
 * as many whole steps as the budget holds. The learning rate warms up linearly, then follows a
 * cosine down to a tenth of its peak at the last step (the nanoGPT/Chinchilla recipe).
 */
public record TrainingPlan(long tokens, int sequenceLength, int microBatch, long globalBatchTokens,
        double learningRate, int warmupSteps, long checkpointEveryTokens, long seed) {
    public static final double MIN_LEARNING_RATE_RATIO = 0.1;
    public static final double WEIGHT_DECAY = 0.1;
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.95;
    public static final double EPSILON = 1e-8;
    public static final double CLIP_NORM = 1.0;

    public TrainingPlan {
        require(tokens > 0, "--tokens must be positive, got " + tokens);
        require(sequenceLength > 0, "--seq-len must be positive, got " + sequenceLength);
        require(microBatch > 0, "--micro-batch must be positive, got " + microBatch);
        require(globalBatchTokens > 0, "--global-batch-tokens must be positive, got " + globalBatchTokens);
        require(learningRate > 0 && learningRate <= 1, "--lr must be in (0, 1], got " + learningRate);
        require(warmupSteps >= 0, "--warmup must not be negative, got " + warmupSteps);
        require(checkpointEveryTokens > 0, "--checkpoint-every must be positive, got " + checkpointEveryTokens);
        require(tokens >= stepTokens(sequenceLength, microBatch, globalBatchTokens),
                belowOneStep(tokens, sequenceLength, microBatch, globalBatchTokens));
    }

    /**
     * Names the flags that would make the budget hold a step, with their figures: the global batch when the step
     * accumulates micro-batches, else the micro-batch itself (a smaller global batch would not shrink it).
     */
    private static String belowOneStep(long tokens, int sequenceLength, int microBatch, long globalBatchTokens) {
        int accumulation = accumulation(sequenceLength, microBatch, globalBatchTokens);
        long step = stepTokens(sequenceLength, microBatch, globalBatchTokens);
        String smaller = accumulation > 1
                ? String.format(Locale.ROOT, "lower --global-batch-tokens %d to at most the budget", globalBatchTokens)
                : String.format(Locale.ROOT, "lower --micro-batch %d or --seq-len %d (one micro-batch is the smallest"
                        + " step, whatever --global-batch-tokens)", microBatch, sequenceLength);
        return String.format(Locale.ROOT, "--tokens %d is smaller than one optimizer step of %d tokens (%d micro-batch%s"
                + " of %d x %d): raise --tokens to at least %d, or %s", tokens, step, accumulation,
                accumulation == 1 ? "" : "es", microBatch, sequenceLength, step, smaller);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Micro-batches per optimizer step: the global batch rounded to whole micro-batches, at least one. */
    public int accumulation() {
        return accumulation(sequenceLength, microBatch, globalBatchTokens);
    }

    private static int accumulation(int sequenceLength, int microBatch, long globalBatchTokens) {
        long micro = (long) microBatch * sequenceLength;
        return Math.toIntExact(Math.max(1, Math.round((double) globalBatchTokens / micro)));
    }

    /** Tokens of one optimizer step: the global batch as actually run. */
    public long stepTokens() {
        return stepTokens(sequenceLength, microBatch, globalBatchTokens);
    }

    private static long stepTokens(int sequenceLength, int microBatch, long globalBatchTokens) {
        return (long) accumulation(sequenceLength, microBatch, globalBatchTokens) * microBatch * sequenceLength;
    }

    public long steps() {
        return tokens / stepTokens();
    }

    /** Checkpoints fall on step boundaries: every this many steps, and after the last. */
    public long checkpointEverySteps() {
        return Math.max(1, (checkpointEveryTokens + stepTokens() - 1) / stepTokens());
    }

    /** The learning rate of step (0-based). */
    public double learningRate(long step) {
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        double minimum = learningRate * MIN_LEARNING_RATE_RATIO;
        long decaySteps = Math.max(1, steps() - 1 - warmupSteps);
        double progress = Math.min(1, (double) (step - warmupSteps) / decaySteps);
        return minimum + 0.5 * (learningRate - minimum) * (1 + Math.cos(Math.PI * progress));
    }

    /** What a saved training state must match to be resumed: everything that shapes the run. */
    public String identity() {
        return String.format(Locale.ROOT, "tokens=%d seq=%d micro=%d global=%d lr=%s warmup=%d seed=%d", tokens,
                sequenceLength, microBatch, globalBatchTokens, Double.toString(learningRate), warmupSteps, seed);
    }
}
