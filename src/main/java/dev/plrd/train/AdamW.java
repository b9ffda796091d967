package dev.plrd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter): Adam moments with weight decay applied to the weights directly,
 * not through the gradient. Matrices and embeddings decay; norm weights (vectors) do not. The
 * parameters are the float32 master weights in every precision (a mixed-precision forward casts
 * them inside the graph), so gradients, moments and updates are all float32.
 */
final class AdamW implements AutoCloseable {
    static final NDIndex ALL = new NDIndex("...");
    private final NDManager manager;
    private final List<Slot> slots = new ArrayList<>();

    /** One trained tensor and its two moments. */
    record Slot(NamedParameter parameter, NDArray firstMoment, NDArray secondMoment, boolean decays) {
        NDArray weight() {
            return parameter.value();
        }
    }

    AdamW(List<NamedParameter> parameters, NDManager parent) {
        manager = parent.newSubManager();
        for (NamedParameter p : parameters) {
            NDArray value = p.value();
            if (value.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException(p.name() + " is " + value.getDataType() + "; AdamW updates float32 masters");
            }
            NDArray m = manager.zeros(value.getShape(), DataType.FLOAT32, value.getDevice());
            NDArray v = manager.zeros(value.getShape(), DataType.FLOAT32, value.getDevice());
            slots.add(new Slot(p, m, v, value.getShape().dimension() >= 2));
        }
    }

    List<Slot> slots() {
        return slots;
    }

    /** The L2 norm of all gradients together, as they are (still multiplied by the loss scale). */
    double gradientNorm() {
        double sum = 0;
        for (Slot s : slots) {
            try (NDScope scope = new NDScope()) {
                sum += s.weight().getGradient().square().sum().getFloat();
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * One update with learning rate lr; update is the 1-based count of applied updates (for bias
     * correction), gradientFactor what the raw gradients are multiplied by first (clipping and
     * loss-scale removal together). Runs outside autograd, so plain numbers are safe operands here.
     */
    void step(double lr, long update, double gradientFactor) {
        double correction1 = 1 - Math.pow(TrainingPlan.BETA1, update);
        double correction2 = 1 - Math.pow(TrainingPlan.BETA2, update);
        for (Slot s : slots) {
            try (NDScope scope = new NDScope()) {
                NDArray g = s.weight().getGradient().mul(gradientFactor);
                s.firstMoment().muli(TrainingPlan.BETA1).addi(g.mul(1 - TrainingPlan.BETA1));
                s.secondMoment().muli(TrainingPlan.BETA2).addi(g.square().muli(1 - TrainingPlan.BETA2));
                if (s.decays()) {
                    s.weight().muli(1 - lr * TrainingPlan.WEIGHT_DECAY);
                }
                NDArray denominator = s.secondMoment().div(correction2).sqrt().addi(TrainingPlan.EPSILON);
                s.weight().subi(s.firstMoment().div(correction1).divi(denominator).muli(lr));
            }
        }
    }

    /**
     * PyTorch adds every backward pass into the gradients, so each step ends by zeroing them: an
     * indexed fill, which also clears an overflow's infinities (0 * inf would not). Not copyTo:
     * DJL's copyTo points the target at a Java buffer that the garbage collector later frees.
     */
    void zeroGradients() {
        for (Slot s : slots) {
            try (NDScope scope = new NDScope()) {
                s.weight().getGradient().set(ALL, 0);
            }
        }
    }

    /** Frees the moments; the parameters stay with the model. */
    @Override
    public void close() {
        manager.close();
    }
}
