package dev.plrd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class CountsAndDurationsTest {

    @Nested
    class CountsParse {
        @ParameterizedTest(name = "{0} = {1}")
        @CsvSource({
                "3.1B, 3100000000",
                "500M, 500000000",
                "1K, 1000",
                "7000000, 7000000",
                "1.5T, 1500000000000",
                "0.5B, 500000000",
                "1B, 1000000000",
                "1000M, 1000000000",
                "10M, 10000000",
                "2.25K, 2250"})
        void countsAsPeopleWriteThem(String text, long expected) {
            assertThat(Counts.parse(text)).isEqualTo(expected);
        }

        @ParameterizedTest(name = "{0} = {1}")
        @CsvSource({
                "1.5, 2",
                "2.4, 2",
                "2.5, 3",
                "1.2345K, 1235",
                "0.0005K, 1",
                "0.0004K, 0",
                "1.0000000005B, 1000000001",
                "1.0000000004B, 1000000000"})
        void aFractionOfOneIsRoundedHalfUp(String text, long expected) {
            assertThat(Counts.parse(text)).isEqualTo(expected);
        }

        @ParameterizedTest(name = "''{0}''")
        @NullSource
        @ValueSource(strings = {"", "3.1b", "1,000", "B", " 1B", "1B ", "-1B", "1.B", ".5B", "1e9", "1KB", "1G",
                "one"})
        void anythingElseIsRejectedWithAMessageNamingTheValue(String text) {
            assertThatThrownBy(() -> Counts.parse(text)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + text + "'")
                    .hasMessageContaining("3.1B");
        }

        @Test
        void aCountTooLargeForALongIsRejectedWithAMessageNamingTheValue() {
            assertThatThrownBy(() -> Counts.parse("999999999999999T")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("999999999999999T");
        }
    }

    @Nested
    class DurationsParse {
        @ParameterizedTest(name = "{0} = {1}")
        @CsvSource({
                "45m, PT45M",
                "2h, PT2H",
                "1h30m, PT1H30M",
                "90s, PT1M30S",
                "72h, PT72H",
                "1h0m30s, PT1H30S",
                "0s, PT0S"})
        void durationsAsKubernetesWritesThem(String text, Duration expected) {
            assertThat(Durations.parse(text)).isEqualTo(expected);
        }

        @ParameterizedTest(name = "''{0}''")
        @NullSource
        @ValueSource(strings = {"1d", "", "h", "10", "1.5h", "1H", "-1h", "1h 30m", "1ms", "PT1H"})
        void anythingElseIsRejectedWithAMessageNamingTheValue(String text) {
            assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + text + "'")
                    .hasMessageContaining("1h30m");
        }
    }

    @Nested
    class DurationsFormat {
        @ParameterizedTest(name = "{0} = {1}")
        @CsvSource({
                "PT30S, 30s",
                "PT45M, 45m",
                "PT2H, 2h",
                "PT1H30M, 1h30m",
                "PT1H30S, 1h30s",
                "PT72H, 72h",
                "PT1M30S, 1m30s",
                "PT0S, 0s",
                "PT1.9S, 1s"})
        void durationsArePrintedInTheSpecsNotation(Duration duration, String expected) {
            assertThat(Durations.format(duration)).isEqualTo(expected);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"30s", "45m", "2h", "1h30m", "72h", "1h1m1s", "0s"})
        void whatIsPrintedParsesBackToTheSameDuration(String text) {
            assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
        }

        @Test
        void aNegativeDurationIsRejected() {
            assertThatThrownBy(() -> Durations.format(Duration.ofSeconds(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        }
    }
}
