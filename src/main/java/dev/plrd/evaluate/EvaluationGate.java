package dev.plrd.evaluate;

import java.util.Locale;

/**
 * Decides whether a member passes evaluation. A NaN compares false with everything, so a gate written as
 * {@code ratio > max} lets a broken model through; every figure is checked to be finite first, and a
 * non-finite one is its own outcome, since no retry and no looser gate makes it meaningful.
 */
public final class EvaluationGate {
    public enum Outcome {
        PASSED,
        /** The perplexity ratio to the parent exceeds the maximum. */
        REFUSED,
        /** The member's or the parent's loss is NaN or infinite. */
        NON_FINITE
    }

    /** The outcome, and for anything but PASSED a message naming the model and the figures. */
    public record Verdict(Outcome outcome, String message) {
        public boolean passed() {
            return outcome == Outcome.PASSED;
        }
    }

    /** A measured model: its location, for messages, and its mean loss and perplexity. */
    public record Measured(String model, double loss, double perplexity) {
        boolean finite() {
            return Double.isFinite(loss) && Double.isFinite(perplexity);
        }
    }

    private final Double maxPerplexityRatio;

    /** @param maxPerplexityRatio the largest allowed perplexity ratio to the parent; null for no limit */
    public EvaluationGate(Double maxPerplexityRatio) {
        if (maxPerplexityRatio != null && !(maxPerplexityRatio > 0 && Double.isFinite(maxPerplexityRatio))) {
            throw new IllegalArgumentException("the maximum perplexity ratio must be a finite number above zero, got "
                    + maxPerplexityRatio);
        }
        this.maxPerplexityRatio = maxPerplexityRatio;
    }

    /** @param parent the parent's measurement, or null when the member is evaluated alone */
    public Verdict judge(Measured member, Measured parent) {
        for (Measured m : parent == null ? new Measured[] {member} : new Measured[] {member, parent}) {
            if (!m.finite()) {
                return new Verdict(Outcome.NON_FINITE, String.format(Locale.ROOT,
                        "%s computes a non-finite loss (loss %s, perplexity %s): its weights or config.json hold"
                                + " NaN, infinite or overflowing values", m.model(), m.loss(), m.perplexity()));
            }
        }
        if (parent == null || maxPerplexityRatio == null) {
            return new Verdict(Outcome.PASSED, null);
        }
        double ratio = member.perplexity() / parent.perplexity();
        if (!(ratio <= maxPerplexityRatio)) {
            return new Verdict(Outcome.REFUSED, String.format(Locale.ROOT, "%s: perplexity %.4f is %.3f times the"
                    + " parent's %.4f, above evaluation.maxPerplexityRatio %s", member.model(), member.perplexity(),
                    ratio, parent.perplexity(), maxPerplexityRatio));
        }
        return new Verdict(Outcome.PASSED, null);
    }
}
