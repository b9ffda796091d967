package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** AdamW against the update rule written out with doubles, one element at a time. */
class AdamWTest {
    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** Gradient of sum(w * c) is c: a backward pass that leaves known gradients. */
    private static void backward(NDArray w, NDArray c) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(w.mul(c).sum());
        }
    }

    @Test
    void matchesTheUpdateRuleWithDecoupledDecayOnMatricesOnly() {
        Random r = new Random(3);
        float[] w0 = random(r, 12);
        float[] b0 = random(r, 4);
        float[][] gradientsW = {random(r, 12), random(r, 12), random(r, 12)};
        float[][] gradientsB = {random(r, 4), random(r, 4), random(r, 4)};
        double[] lrs = {1e-2, 5e-3, 2e-3};
        double factor = 0.5;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w = manager.create(w0, new Shape(3, 4));
            NDArray b = manager.create(b0, new Shape(4));
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (AdamW adam = new AdamW(List.of(new NamedParameter("w", w), new NamedParameter("b", b)), manager)) {
                for (int t = 0; t < 3; t++) {
                    backward(w, manager.create(gradientsW[t], new Shape(3, 4)));
                    backward(b, manager.create(gradientsB[t], new Shape(4)));
                    adam.step(lrs[t], t + 1, factor);
                    adam.zeroGradients();
                }
                assertThat(w.getGradient().toFloatArray()).containsOnly(0f);
            }
            double[] expectedW = reference(w0, gradientsW, lrs, factor, true);
            double[] expectedB = reference(b0, gradientsB, lrs, factor, false);
            float[] actualW = w.toFloatArray();
            float[] actualB = b.toFloatArray();
            for (int i = 0; i < 12; i++) {
                assertThat((double) actualW[i]).isCloseTo(expectedW[i], within(1e-6));
            }
            for (int i = 0; i < 4; i++) {
                assertThat((double) actualB[i]).isCloseTo(expectedB[i], within(1e-6));
            }
        }
    }

    private static double[] reference(float[] start, float[][] gradients, double[] lrs, double factor, boolean decays) {
        double[] p = new double[start.length];
        double[] m = new double[start.length];
        double[] v = new double[start.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = start[i];
        }
        for (int t = 0; t < gradients.length; t++) {
            for (int i = 0; i < p.length; i++) {
                double g = gradients[t][i] * factor;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.95 * v[i] + 0.05 * g * g;
                double mHat = m[i] / (1 - Math.pow(0.9, t + 1));
                double vHat = v[i] / (1 - Math.pow(0.95, t + 1));
                if (decays) {
                    p[i] *= 1 - lrs[t] * 0.1;
                }
                p[i] -= lrs[t] * mHat / (Math.sqrt(vHat) + 1e-8);
            }
        }
        return p;
    }
}
