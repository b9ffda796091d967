package dev.plrd.transport.modelpack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CheckpointSummaryTest {
    @ParameterizedTest
    @CsvSource({"7241732096, 7.2B", "8000000000, 8B", "86016, 86K", "500, 0.5K", "3100000000, 3.1B",
            "999960000, 1B", "124439808, 124.4M", "1500000000000, 1.5T"})
    void paramSizeIsACountWithOneDecimalAtMostAndAScaleLetter(long parameters, String expected) {
        assertThat(new CheckpointSummary(parameters, "", null, null).paramSize()).isEqualTo(expected);
    }
}
