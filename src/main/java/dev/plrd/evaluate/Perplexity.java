package dev.plrd.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.plrd.data.Batch;
import dev.plrd.data.BatchSampler;
import dev.plrd.data.Position;
import dev.plrd.data.Split;
import dev.plrd.train.LlamaModel;

/**
 * Held-out perplexity: the exponential of the mean next-token loss over a fixed set of windows.
 * The windows are the first ones of the split's seeded order, so two models evaluated with the
 * same data, split, seed, token count and sequence length see exactly the same tokens and their
 * perplexities compare (a member against its parent).
 */
public final class Perplexity {
    private Perplexity() {
    }

    public record Result(double loss, double perplexity, long tokens, double seconds) {
    }

    /** Evaluates at least tokens tokens (whole windows; all of the split if it holds fewer). */
    public static Result measure(LlamaModel model, Split split, long tokens, long seed, int microBatch) {
        long windows = Math.min(split.windows(), Math.max(1, (tokens + split.sequenceLength() - 1) / split.sequenceLength()));
        BatchSampler sampler = new BatchSampler(split, seed, Position.START);
        NDManager manager = model.manager();
        long started = System.nanoTime();
        double totalLoss = 0;
        long counted = 0;
        for (long done = 0; done < windows; ) {
            int rows = (int) Math.min(microBatch, windows - done);
            Batch batch = sampler.next(rows);
            try (NDScope scope = new NDScope()) {
                Shape shape = new Shape(batch.rows(), batch.sequenceLength());
                NDArray inputs = manager.create(batch.inputs(), shape).toDevice(model.device(), false);
                NDArray targets = manager.create(batch.targets(), shape).toDevice(model.device(), false);
                long n = (long) batch.rows() * batch.sequenceLength();
                totalLoss += model.loss(inputs, targets).getFloat() * (double) n;
                counted += n;
            }
            done += rows;
        }
        double loss = totalLoss / counted;
        return new Result(loss, Math.exp(loss), counted, (System.nanoTime() - started) / 1e9);
    }
}
