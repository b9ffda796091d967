package dev.plrd.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.evaluate.EvaluationGate.Measured;
import dev.plrd.evaluate.EvaluationGate.Outcome;
import org.junit.jupiter.api.Test;

/** The gate's decision, figures only: NaN compares false with every limit, so it is checked first. */
class EvaluationGateTest {
    private static final Measured PARENT = new Measured("/w/base", Math.log(8.0), 8.0);

    private static Measured member(double perplexity) {
        return new Measured("/w/members/m1/trained", Math.log(perplexity), perplexity);
    }

    @Test
    void passesWithinTheRatioAndRefusesAboveIt() {
        EvaluationGate gate = new EvaluationGate(1.5);
        assertThat(gate.judge(member(12.0), PARENT).passed()).isTrue();
        EvaluationGate.Verdict refused = gate.judge(member(12.1), PARENT);
        assertThat(refused.outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(refused.message()).isEqualTo("/w/members/m1/trained: perplexity 12.1000 is 1.513 times the parent's"
                + " 8.0000, above evaluation.maxPerplexityRatio 1.5");
    }

    @Test
    void aNanMemberIsNonFiniteWithOrWithoutAGate() {
        Measured nan = new Measured("/w/members/m1/trained", Double.NaN, Double.NaN);
        for (EvaluationGate gate : new EvaluationGate[] {new EvaluationGate(1.5), new EvaluationGate(null)}) {
            EvaluationGate.Verdict verdict = gate.judge(nan, PARENT);
            assertThat(verdict.outcome()).isEqualTo(Outcome.NON_FINITE);
            assertThat(verdict.message()).startsWith("/w/members/m1/trained computes a non-finite loss (loss NaN");
        }
        assertThat(new EvaluationGate(null).judge(nan, null).outcome()).isEqualTo(Outcome.NON_FINITE);
    }

    @Test
    void anInfinitePerplexityOrABrokenParentIsNonFiniteToo() {
        EvaluationGate gate = new EvaluationGate(1.5);
        assertThat(gate.judge(new Measured("/w/m", 800, Double.POSITIVE_INFINITY), PARENT).outcome())
                .isEqualTo(Outcome.NON_FINITE);
        EvaluationGate.Verdict brokenParent = gate.judge(member(9.0), new Measured("/w/base", Double.NaN, Double.NaN));
        assertThat(brokenParent.outcome()).isEqualTo(Outcome.NON_FINITE);
        assertThat(brokenParent.message()).startsWith("/w/base computes a non-finite loss");
    }

    @Test
    void aRatioThatIsNoLimitIsRefused() {
        for (double ratio : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> new EvaluationGate(ratio)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maximum perplexity ratio must be a finite number above zero");
        }
    }
}
