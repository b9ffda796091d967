package dev.plrd.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.plrd.data.Batch;
import dev.plrd.data.BatchSampler;
import dev.plrd.data.Position;
import dev.plrd.data.Split;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Continual pretraining of one model: causal language modelling on packed windows, AdamW, the
 * plan's schedule, global-norm clipping and gradient accumulation, until the token budget is spent.
 * The state is saved every {@link TrainingPlan#checkpointEverySteps()} steps, after the last step,
 * and when a stop is requested (preemption); {@link #run} with resume continues from the newest
 * saved state exactly.
 */
public final class Trainer {
    private final LlamaModel model;
    private final TrainingPlan plan;
    private final Split data;
    private final Path stateDirectory;

    /** What a listener hears after every optimizer step. */
    public record StepReport(long step, long steps, long tokensSeen, double loss, double learningRate,
            double gradientNorm, double tokensPerSecond, boolean skipped) {
    }

    public interface Listener {
        void step(StepReport report);

        void saved(long step, Path stateDirectory);
    }

    /** How the run ended: finished the budget, or stopped early for a preemption. */
    public record Outcome(long steps, long tokensSeen, double loss, double tokensPerSecond, double seconds,
            boolean stopped, long resumedAt) {
    }

    public Trainer(LlamaModel model, TrainingPlan plan, Split data, Path stateDirectory) {
        if (data.sequenceLength() != plan.sequenceLength()) {
            throw new IllegalArgumentException("the data is cut into windows of " + data.sequenceLength()
                    + " tokens, the plan trains on " + plan.sequenceLength());
        }
        this.model = model;
        this.plan = plan;
        this.data = data;
        this.stateDirectory = stateDirectory;
    }

    /**
     * Trains until the budget is spent or stop says so (checked after every micro-batch; a step cut
     * short is dropped and the state of the last whole step saved).
     */
    public Outcome run(boolean resume, BooleanSupplier stop, Listener listener) throws IOException {
        try (AdamW optimizer = new AdamW(model.parameters(), model.manager())) {
            TrainState.Progress start = (resume ? TrainState.load(stateDirectory, plan.identity(), optimizer)
                    : Optional.<TrainState.Progress>empty()).orElseGet(() -> TrainState.Progress.initial(plan.identity()));
            LossScale scale = model.precision() == ComputePrecision.FLOAT32 ? LossScale.fixed()
                    : LossScale.dynamic(start.lossScale(), start.cleanSteps());
            long step = start.step();
            long updates = start.updates();
            double loss = start.loss();
            Position position = start.position();
            long resumedAt = step;
            BatchSampler sampler = new BatchSampler(data, plan.seed(), position);
            long started = System.nanoTime();
            long savedAt = step;
            boolean stopped = false;
            while (step < plan.steps()) {
                double stepLoss = 0;
                int micro = 0;
                for (; micro < plan.accumulation() && !stop.getAsBoolean(); micro++) {
                    stepLoss += forwardBackward(sampler.next(plan.microBatch()), scale.value() / plan.accumulation());
                }
                if (micro < plan.accumulation()) {
                    stopped = true;
                    break;
                }
                if (!Double.isFinite(stepLoss)) {
                    // a forward overflow: no loss scale can help, so fail rather than skip forever
                    throw diverged(step, "the loss is not finite");
                }
                double rawNorm = optimizer.gradientNorm();
                double norm = rawNorm / scale.value();
                boolean usable = scale.update(Double.isFinite(rawNorm));
                if (!usable && !scale.isDynamic()) {
                    throw diverged(step, String.format("the gradients are not finite (loss %.4f)",
                            stepLoss / plan.accumulation()));
                }
                double lr = plan.learningRate(step);
                if (usable) {
                    double clip = Math.min(1, TrainingPlan.CLIP_NORM / (norm + 1e-6));
                    optimizer.step(lr, ++updates, clip / scale.value());
                }
                optimizer.zeroGradients();
                step++;
                position = sampler.position();
                loss = stepLoss / plan.accumulation();
                double seconds = (System.nanoTime() - started) / 1e9;
                listener.step(new StepReport(step, plan.steps(), step * plan.stepTokens(), loss, lr, norm,
                        (step - resumedAt) * plan.stepTokens() / seconds, !usable));
                if (step % plan.checkpointEverySteps() == 0 || step == plan.steps()) {
                    save(step, updates, position, scale, loss, optimizer, listener);
                    savedAt = step;
                }
            }
            if (stopped && savedAt < step) {
                save(step, updates, position, scale, loss, optimizer, listener);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long trainedTokens = (step - resumedAt) * plan.stepTokens();
            return new Outcome(step, step * plan.stepTokens(), loss, seconds > 0 ? trainedTokens / seconds : 0, seconds,
                    stopped, resumedAt);
        }
    }

    /** Permanent: the same model, data and settings compute the same non-finite values on every attempt. */
    private static NonFiniteLossException diverged(long step, String why) {
        return new NonFiniteLossException("training diverged at step " + (step + 1) + ": " + why
                + "; lower --lr, or train in float32");
    }

    /** One micro-batch: forward, loss, backward of the scaled loss; returns the unscaled loss. */
    private double forwardBackward(Batch batch, double lossFactor) {
        NDManager manager = model.manager();
        try (NDScope scope = new NDScope()) {
            Shape shape = new Shape(batch.rows(), batch.sequenceLength());
            NDArray inputs = manager.create(batch.inputs(), shape).toDevice(model.device(), false);
            NDArray targets = manager.create(batch.targets(), shape).toDevice(model.device(), false);
            // an array, not a Number: DJL frees a Number operand's buffer before backward reads it
            NDArray factor = manager.create((float) lossFactor).toDevice(model.device(), false);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.loss(inputs, targets);
                collector.backward(loss.mul(factor));
                return loss.getFloat();
            }
        }
    }

    private void save(long step, long updates, Position position, LossScale scale, double loss, AdamW optimizer,
            Listener listener) throws IOException {
        TrainState.save(stateDirectory, new TrainState.Progress(TrainState.FORMAT, plan.identity(), step, updates,
                step * plan.stepTokens(), position.epoch(), position.index(), scale.value(), scale.cleanSteps(), loss),
                optimizer);
        listener.saved(step, stateDirectory);
    }
}
