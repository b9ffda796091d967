package dev.plrd.train;

/**
 * Dynamic loss scaling for float16 training: the loss is multiplied by the scale before the
 * backward pass so that small gradients do not flush to zero in float16, and the gradients are
 * divided by it again in float32. A step whose gradients overflow is skipped and the scale halved;
 * after {@link #GROWTH_INTERVAL} clean steps it doubles. Float32 training uses a fixed scale of 1.
 */
final class LossScale {
    /** A moderate start: scaled float16 gradients must stay below 65504; overflows halve it, clean runs double it. */
    static final double INITIAL = 1024;
    static final int GROWTH_INTERVAL = 1000;
    private static final double MINIMUM = 1.0 / 1024;

    private final boolean dynamic;
    private double scale;
    private int cleanSteps;

    private LossScale(boolean dynamic, double scale, int cleanSteps) {
        this.dynamic = dynamic;
        this.scale = scale;
        this.cleanSteps = cleanSteps;
    }

    static LossScale fixed() {
        return new LossScale(false, 1, 0);
    }

    static LossScale dynamic(double scale, int cleanSteps) {
        return new LossScale(true, scale, cleanSteps);
    }

    boolean isDynamic() {
        return dynamic;
    }

    double value() {
        return scale;
    }

    int cleanSteps() {
        return cleanSteps;
    }

    /** Records a step's outcome; returns whether its gradients are usable. */
    boolean update(boolean finite) {
        if (!dynamic) {
            return finite;
        }
        if (!finite) {
            scale = Math.max(MINIMUM, scale / 2);
            cleanSteps = 0;
            return false;
        }
        if (++cleanSteps == GROWTH_INTERVAL) {
            scale *= 2;
            cleanSteps = 0;
        }
        return true;
    }
}
