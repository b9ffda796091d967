package dev.plrd.decompose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Exact truncated SVD on W = U diag(s) V^T with a known spectrum s_i = 2 (i + 1)^-1, in both orientations. */
class ExactSvdTest {
    private static final int RANK = 100;

    /** out > in: transposed before LAPACK; out < in: handed over as it is. */
    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void truncationReachesTheEckartYoungOptimumForEverySplit(int rows, int cols) {
        double[] s = TestMatrices.powerLaw(Math.min(rows, cols), 2, 1);
        Matrix w = TestMatrices.withSpectrum(rows, cols, s, 7);
        double[] wd = TestMatrices.toDouble(w);
        double optimal = TestMatrices.optimalError(s, RANK);
        double[] balanced = null;
        for (Split split : Split.values()) {
            Factors f = ExactSvd.truncate(w, RANK, split);
            assertThat(f.a().rows()).isEqualTo(rows);
            assertThat(f.a().cols()).isEqualTo(RANK);
            assertThat(f.b().rows()).isEqualTo(RANK);
            assertThat(f.b().cols()).isEqualTo(cols);
            double[] ab = TestMatrices.product(f.a(), f.b());
            double direct = TestMatrices.distance(wd, ab) / TestMatrices.norm(wd);
            assertThat(direct).as(split + ": ||W - AB|| / ||W||").isCloseTo(optimal, within(1e-4 * optimal));
            assertThat(f.relativeError()).as(split + ": reported error").isCloseTo(direct, within(1e-4 * direct));
            for (int i = 0; i < RANK; i++) {
                // float32: LAPACK's 3-6e-7 of s_1, plus W's own rounding to float32
                assertThat((double) f.singularValues()[i]).as("s_" + i).isCloseTo(s[i], within(2e-6 * s[0]));
            }
            if (balanced == null) {
                balanced = ab;
            } else {
                assertThat(TestMatrices.distance(ab, balanced)).as(split + " gives the same product")
                        .isLessThan(1e-5 * TestMatrices.norm(balanced));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void splitPlacesTheSingularValues(int rows, int cols) {
        double[] s = TestMatrices.powerLaw(Math.min(rows, cols), 2, 1);
        Matrix w = TestMatrices.withSpectrum(rows, cols, s, 11);
        // A^T A and B B^T are diagonal: S and S (balanced), S^2 and I (left), I and S^2 (right)
        assertGrams(ExactSvd.truncate(w, RANK, Split.BALANCED), s, 1, 1);
        assertGrams(ExactSvd.truncate(w, RANK, Split.LEFT), s, 2, 0);
        assertGrams(ExactSvd.truncate(w, RANK, Split.RIGHT), s, 0, 2);
    }

    private static void assertGrams(Factors f, double[] s, int powerA, int powerB) {
        double[] ata = TestMatrices.product(f.a().transpose(), f.a());
        double[] bbt = TestMatrices.product(f.b(), f.b().transpose());
        double worstA = 0;
        double worstB = 0;
        for (int i = 0; i < RANK; i++) {
            for (int j = 0; j < RANK; j++) {
                worstA = Math.max(worstA, Math.abs(ata[i * RANK + j] - (i == j ? Math.pow(s[i], powerA) : 0)));
                worstB = Math.max(worstB, Math.abs(bbt[i * RANK + j] - (i == j ? Math.pow(s[i], powerB) : 0)));
            }
        }
        double scale = Math.max(1, s[0] * s[0]);
        assertThat(worstA).as("largest deviation of A^T A from S^" + powerA).isLessThan(1e-5 * scale);
        assertThat(worstB).as("largest deviation of B B^T from S^" + powerB).isLessThan(1e-5 * scale);
    }

    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void singularValuesAloneMatchTheSpectrum(int rows, int cols) {
        double[] s = TestMatrices.powerLaw(Math.min(rows, cols), 2, 1);
        Matrix w = TestMatrices.withSpectrum(rows, cols, s, 13);
        float[] values = ExactSvd.singularValues(w);
        assertThat(values).hasSize(s.length);
        for (int i = 0; i < s.length; i++) {
            assertThat((double) values[i]).as("s_" + i).isCloseTo(s[i], within(2e-6 * s[0]));
        }
    }

    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void leavesTheInputUntouched(int rows, int cols) {
        Matrix w = TestMatrices.gaussian(rows, cols, 17);
        float[] before = w.data().clone();
        ExactSvd.truncate(w, 10, Split.BALANCED);
        ExactSvd.singularValues(w);
        assertThat(w.data()).isEqualTo(before);
    }
}
