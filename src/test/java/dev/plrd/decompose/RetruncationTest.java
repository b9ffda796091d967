package dev.plrd.decompose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Re-truncation of a factored pair against the direct route: form A B, take its exact SVD, truncate. Inputs are
 * a pair from an exact truncation (every split) and a pair of plain Gaussian factors, which are far from
 * orthogonal.
 */
class RetruncationTest {
    private static final int RANK = 150;
    private static final int NEW_RANK = 60;

    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void matchesTheDirectTruncationOfTheProduct(int rows, int cols) {
        Matrix w = TestMatrices.withSpectrum(rows, cols, TestMatrices.powerLaw(Math.min(rows, cols), 2, 1), 19);
        // every split of the input pair, and every split of the output
        for (Split from : Split.values()) {
            Factors pair = ExactSvd.truncate(w, RANK, from);
            assertMatchesDirect(pair.a(), pair.b(), Split.BALANCED, from + " -> BALANCED");
            if (from == Split.BALANCED) {
                assertMatchesDirect(pair.a(), pair.b(), Split.LEFT, "BALANCED -> LEFT");
                assertMatchesDirect(pair.a(), pair.b(), Split.RIGHT, "BALANCED -> RIGHT");
            }
        }
        assertMatchesDirect(TestMatrices.gaussian(rows, RANK, 23), TestMatrices.gaussian(RANK, cols, 29), Split.BALANCED,
                "Gaussian pair");
    }

    private static void assertMatchesDirect(Matrix a, Matrix b, Split split, String what) {
        double[] ab = TestMatrices.product(a, b);
        Factors direct = ExactSvd.truncate(TestMatrices.toFloat(a.rows(), b.cols(), ab), NEW_RANK, split);
        double[] expected = TestMatrices.product(direct.a(), direct.b());

        Factors f = Retruncation.truncate(a, b, NEW_RANK, split);
        assertThat(f.a().rows()).isEqualTo(a.rows());
        assertThat(f.a().cols()).isEqualTo(NEW_RANK);
        assertThat(f.b().cols()).isEqualTo(b.cols());
        double[] actual = TestMatrices.product(f.a(), f.b());
        assertThat(TestMatrices.distance(actual, expected)).as(what + ": A'B' against the direct truncation")
                .isLessThan(1e-4 * TestMatrices.norm(expected));
        for (int i = 0; i < NEW_RANK; i++) {
            assertThat(f.singularValues()[i]).as(what + ": s_" + i)
                    .isCloseTo(direct.singularValues()[i], within(2e-6f * direct.singularValues()[0]));
        }
        double error = TestMatrices.distance(ab, actual) / TestMatrices.norm(ab);
        assertThat(f.relativeError()).as(what + ": reported error").isCloseTo(error, within(1e-4 * error));
        // in the split asked for: e.g. balanced A'^T A' = B' B'^T = S'
        double[] ata = TestMatrices.product(f.a().transpose(), f.a());
        double[] bbt = TestMatrices.product(f.b(), f.b().transpose());
        for (int i = 0; i < NEW_RANK; i++) {
            double s = f.singularValues()[i];
            assertThat(ata[i * NEW_RANK + i]).isCloseTo(split.left(s) * split.left(s), within(1e-4 * s * Math.max(1, s)));
            assertThat(bbt[i * NEW_RANK + i]).isCloseTo(split.right(s) * split.right(s), within(1e-4 * s * Math.max(1, s)));
        }
    }

    @ParameterizedTest
    @CsvSource({"512, 384", "300, 700"})
    void singularValuesOfThePairAreThoseOfTheProduct(int rows, int cols) {
        Matrix a = TestMatrices.gaussian(rows, RANK, 31);
        Matrix b = TestMatrices.gaussian(RANK, cols, 37);
        float[] expected = ExactSvd.singularValues(TestMatrices.toFloat(rows, cols, TestMatrices.product(a, b)));
        float[] actual = Retruncation.singularValues(a, b);
        assertThat(actual).hasSize(RANK);
        for (int i = 0; i < RANK; i++) {
            assertThat(actual[i]).as("s_" + i).isCloseTo(expected[i], within(2e-6f * expected[0]));
        }
    }
}
