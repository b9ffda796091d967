package dev.plrd.local;

import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.WorkerContract;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a local run shows: one line per stage (its place in the plan, member and stage, percent done and the time
 * left), redrawn in place on a terminal, a plain line when it starts and when it ends in logs. The stage's own
 * output goes to a log file per stage in the workspace; the last lines of it are shown when the stage fails.
 */
public final class StageConsole implements LocalFamilyRun.Listener {
    /** A progress report of a stage worker: {@code TASK [====   ] DONE/TOTAL ...} or {@code TASK DONE/TOTAL ...}. */
    private static final Pattern PROGRESS = Pattern.compile("^[a-z][a-z-]* (?:\\[[= ]*\\] )?(\\d+)/(\\d+)\\b");
    private static final Duration REDRAW = Duration.ofMillis(500);
    private static final int TAIL_LINES = 15;
    private static final int ESCAPE = 0x1b;

    private final PrintStream out;
    private final boolean terminal;
    private final Clock clock;
    private final Function<PlannedStage, Path> logs;
    private String label;
    private Instant started;
    private Instant drawn;

    /**
     * @param logs where each stage's output goes
     */
    public StageConsole(PrintStream out, boolean terminal, Clock clock, Function<PlannedStage, Path> logs) {
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
        this.logs = logs;
    }

    /** The runner with the stage's standard output and error sent to its log file, and its progress read from them. */
    public LocalFamilyRun.StageRunner capturing(LocalFamilyRun.StageRunner runner) {
        return stage -> {
            Path log = logs.apply(stage);
            PrintStream savedOut = System.out;
            PrintStream savedErr = System.err;
            try {
                Files.createDirectories(log.toAbsolutePath().getParent());
                try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(log));
                        PrintStream tee = new PrintStream(new ProgressScanner(file), true, StandardCharsets.UTF_8)) {
                    System.setOut(tee);
                    System.setErr(tee);
                    return runner.run(stage);
                } finally {
                    System.setOut(savedOut);
                    System.setErr(savedErr);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(log + ": cannot write the stage log", e);
            }
        };
    }

    @Override
    public void started(PlannedStage stage, int index, int total) {
        label = String.format(Locale.ROOT, "[%d/%d] %s", index + 1, total, stage.id());
        started = clock.instant();
        drawn = null;
        if (terminal) {
            draw(0, null);
        } else {
            out.println(label + " started, log " + logs.apply(stage));
        }
        out.flush();
    }

    @Override
    public void finished(PlannedStage stage, int exitCode) {
        Duration took = Duration.between(started, clock.instant());
        String end = exitCode == WorkerContract.EXIT_OK ? "done in " + format(took)
                : "failed (exit " + exitCode + ") after " + format(took) + ", log " + logs.apply(stage);
        out.print((terminal ? "\r" : "") + label + " " + end + (terminal ? "\033[K" : "") + System.lineSeparator());
        if (exitCode != WorkerContract.EXIT_OK) {
            tail(logs.apply(stage)).forEach(line -> out.println("    " + line));
        }
        out.flush();
    }

    private void progress(long done, long total) {
        Instant now = clock.instant();
        if (!terminal || total <= 0 || (drawn != null && Duration.between(drawn, now).compareTo(REDRAW) < 0)) {
            return;
        }
        double fraction = Math.min(1.0, (double) done / total);
        Duration elapsed = Duration.between(started, now);
        Duration left = fraction <= 0 ? null : Duration.ofMillis((long) (elapsed.toMillis() * (1 - fraction) / fraction));
        draw((int) Math.round(fraction * 100), left);
        drawn = now;
    }

    private void draw(int percent, Duration left) {
        out.printf(Locale.ROOT, "\r%s %3d%% ETA %s\033[K", label, percent, left == null ? "-" : format(left));
        out.flush();
    }

    static String format(Duration d) {
        long seconds = Math.round(d.toMillis() / 1000.0);
        return seconds < 60 ? seconds + "s" : seconds / 60 + "m" + String.format(Locale.ROOT, "%02d", seconds % 60) + "s";
    }

    private static List<String> tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .map(line -> line.substring(line.lastIndexOf('\r') + 1)).filter(line -> !line.isBlank()).toList();
            return lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
        } catch (IOException e) {
            return List.of("(the log cannot be read: " + e.getMessage() + ")");
        }
    }

    /** Passes the stage's output to its log and reads each line (ended by '\n', '\r' or ESC) for a progress report. */
    private final class ProgressScanner extends OutputStream {
        private final OutputStream log;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        ProgressScanner(OutputStream log) {
            this.log = log;
        }

        @Override
        public void write(int b) throws IOException {
            log.write(b);
            // a line redrawn in place ends with the escape that clears the rest of it, and starts with '\r'
            if (b == '\n' || b == '\r' || b == ESCAPE) {
                Matcher m = PROGRESS.matcher(line.toString(StandardCharsets.UTF_8));
                if (m.find()) {
                    progress(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
                }
                line.reset();
            } else if (line.size() < 512) {
                line.write(b);
            }
        }

        @Override
        public void flush() throws IOException {
            log.flush();
        }
    }
}
