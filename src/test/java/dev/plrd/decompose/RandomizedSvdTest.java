package dev.plrd.decompose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Randomized SVD with the default settings on s_i = (i + 1)^-0.5. That slow power-law decay is the
 * "LLM-like" spectrum of NUMERICS.md: trained weight matrices have heavy-tailed, slowly decaying spectra, and
 * slow decay is the hard case for a randomized range finder (a flat spectrum is the worst case), so passing
 * here says more than passing on a fast (i + 1)^-1 or exponential decay would.
 */
class RandomizedSvdTest {
    private static final int RANK = 100;

    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void defaultSettingsStayWithinOnePercentOfTheOptimum(int rows, int cols) {
        double[] s = TestMatrices.powerLaw(Math.min(rows, cols), 1, 0.5);
        Matrix w = TestMatrices.withSpectrum(rows, cols, s, 41);
        double[] wd = TestMatrices.toDouble(w);
        double optimal = TestMatrices.optimalError(s, RANK);
        double[] balanced = null;
        for (Split split : Split.values()) {
            Factors f = RandomizedSvd.truncate(w, RANK, split, RandomizedSvd.Settings.DEFAULT);
            assertThat(f.a().rows()).isEqualTo(rows);
            assertThat(f.a().cols()).isEqualTo(RANK);
            assertThat(f.b().rows()).isEqualTo(RANK);
            assertThat(f.b().cols()).isEqualTo(cols);
            double[] ab = TestMatrices.product(f.a(), f.b());
            double direct = TestMatrices.distance(wd, ab) / TestMatrices.norm(wd);
            assertThat(direct).as(split + ": error against the optimum " + optimal).isBetween(optimal * (1 - 1e-6), optimal * 1.01);
            assertThat(f.relativeError()).as(split + ": reported error").isCloseTo(direct, within(1e-6));
            for (int i = 0; i < RANK; i++) {
                // those of Q^T W for an orthonormal Q: never above W's, and close for the leading half
                assertThat((double) f.singularValues()[i]).as("s_" + i).isLessThanOrEqualTo(s[i] * (1 + 1e-5));
                if (i < RANK / 2) {
                    assertThat((double) f.singularValues()[i]).as("s_" + i).isCloseTo(s[i], within(1e-3 * s[i]));
                }
            }
            if (balanced == null) {
                balanced = ab;
            } else {
                assertThat(TestMatrices.distance(ab, balanced)).as(split + " gives the same product")
                        .isLessThan(1e-5 * TestMatrices.norm(balanced));
            }
        }
    }

    /**
     * s_i = e^(-i/10): W M^T q is too ill-conditioned for float32 (its condition number squares s_1/s_k = 1e7), so
     * the power iteration has to orthonormalize after both products to stay near the optimum.
     */
    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void steepSpectrumStaysWithinOnePercentOfTheOptimum(int rows, int cols) {
        double[] s = new double[Math.min(rows, cols)];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.exp(-i / 10.0);
        }
        Matrix w = TestMatrices.withSpectrum(rows, cols, s, 53);
        double optimal = TestMatrices.optimalError(s, RANK);
        Factors f = RandomizedSvd.truncate(w, RANK, Split.BALANCED, RandomizedSvd.Settings.DEFAULT);
        double[] wd = TestMatrices.toDouble(w);
        double direct = TestMatrices.distance(wd, TestMatrices.product(f.a(), f.b())) / TestMatrices.norm(wd);
        assertThat(direct).as("error against the optimum " + optimal).isBetween(optimal * 0.99, optimal * 1.01);
        assertThat(f.relativeError()).as("reported error").isCloseTo(direct, within(1e-3 * direct));
    }

    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void sameSeedSameFactors(int rows, int cols) {
        Matrix w = TestMatrices.withSpectrum(rows, cols, TestMatrices.powerLaw(Math.min(rows, cols), 1, 0.5), 43);
        RandomizedSvd.Settings settings = new RandomizedSvd.Settings(10, 2, 1234);
        Factors first = RandomizedSvd.truncate(w, RANK, Split.BALANCED, settings);
        Factors second = RandomizedSvd.truncate(w, RANK, Split.BALANCED, settings);
        assertThat(second.a().data()).isEqualTo(first.a().data());
        assertThat(second.b().data()).isEqualTo(first.b().data());
        assertThat(second.singularValues()).isEqualTo(first.singularValues());
        assertThat(second.relativeError()).isEqualTo(first.relativeError());

        Factors other = RandomizedSvd.truncate(w, RANK, Split.BALANCED, new RandomizedSvd.Settings(10, 2, 4321));
        assertThat(other.a().data()).isNotEqualTo(first.a().data());
    }

    /** A matrix of rank 20 asked for rank 50: the null directions come back as zero, the error as 0. */
    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void rankDeficientInputIsReproduced(int rows, int cols) {
        Matrix w = TestMatrices.withSpectrum(rows, cols, TestMatrices.powerLaw(20, 1, 1), 47);
        Factors f = RandomizedSvd.truncate(w, 50, Split.BALANCED, RandomizedSvd.Settings.DEFAULT);
        double[] wd = TestMatrices.toDouble(w);
        double direct = TestMatrices.distance(wd, TestMatrices.product(f.a(), f.b())) / TestMatrices.norm(wd);
        assertThat(direct).isLessThan(1e-6);
        assertThat(f.relativeError()).isLessThan(1e-6);
        assertThat(f.singularValues()[30]).isLessThan(1e-6f);
    }

    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void zeroMatrixGivesZeroFactors(int rows, int cols) {
        Factors f = RandomizedSvd.truncate(new Matrix(rows, cols, new float[rows * cols]), 5, Split.BALANCED,
                RandomizedSvd.Settings.DEFAULT);
        assertThat(f.a().data()).containsOnly(0f);
        assertThat(f.b().data()).containsOnly(0f);
        assertThat(f.relativeError()).isZero();
    }
}
