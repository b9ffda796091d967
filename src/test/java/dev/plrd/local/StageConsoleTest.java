package dev.plrd.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.StageName;
import dev.plrd.plan.PlannedStage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The progress lines of a local run, read from what the stage worker prints, and its log. */
class StageConsoleTest {
    private static final PlannedStage TRAIN = new PlannedStage("m1", StageName.TRAIN, "fp", List.of("train"), 0, 1, false, Set.of());

    @TempDir
    Path dir;

    /** A clock that each stage step moves on by ten seconds. */
    private Instant now = Instant.parse("2025-03-01T10:00:00Z");

    private final ByteArrayOutputStream shown = new ByteArrayOutputStream();

    private StageConsole console(boolean terminal) {
        Clock clock = new Clock() {
            @Override
            public Instant instant() {
                return now;
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        return new StageConsole(new PrintStream(shown, true, StandardCharsets.UTF_8), terminal, clock,
                stage -> dir.resolve(stage.id().replace('/', '-') + ".log"));
    }

    private int trainQuarterByQuarter(StageConsole console) {
        console.started(TRAIN, 1, 8);
        int code = console.capturing(stage -> {
            for (int step = 1; step <= 4; step++) {
                now = now.plus(Duration.ofSeconds(10));
                System.err.print("\rtrain [" + "=".repeat(step) + "] " + step + "/4 loss 3.2\033[K");
            }
            System.err.println();
            System.out.println("a line on standard output");
            return 0;
        }).run(TRAIN);
        console.finished(TRAIN, code);
        return code;
    }

    @Test
    void onATerminalOneLineShowsPercentAndTimeLeftThenTheEnd() throws Exception {
        assertThat(trainQuarterByQuarter(console(true))).isZero();
        String out = shown.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("\r[2/8] m1/train   0% ETA -").contains("\r[2/8] m1/train  25% ETA 30s")
                .contains("\r[2/8] m1/train  50% ETA 20s").contains("\r[2/8] m1/train done in 40s");
        assertThat(out.chars().filter(c -> c == '\n').count()).as("one line per stage, redrawn with \\r").isEqualTo(1);
        assertThat(Files.readString(dir.resolve("m1-train.log"))).contains("4/4 loss 3.2", "a line on standard output");
    }

    @Test
    void inALogAStageIsAPlainLineWhenItStartsAndWhenItEnds() throws Exception {
        trainQuarterByQuarter(console(false));
        assertThat(shown.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "[2/8] m1/train started, log " + dir.resolve("m1-train.log"), "[2/8] m1/train done in 40s");
    }

    @Test
    void aFailedStageShowsTheEndOfItsLog() {
        StageConsole console = console(false);
        console.started(TRAIN, 1, 8);
        int code = console.capturing(stage -> {
            System.err.println("error: --data corpus: no such file or directory");
            return 2;
        }).run(TRAIN);
        console.finished(TRAIN, code);
        assertThat(shown.toString(StandardCharsets.UTF_8)).contains("[2/8] m1/train failed (exit 2) after 0s, log ")
                .contains("    error: --data corpus: no such file or directory");
    }
}
