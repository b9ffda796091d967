package dev.plrd.transport.fetch;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * How far a download is: bytes, MB/s and the time left. On a terminal one line redrawn at most
 * five times a second; in a log (a stage pod's) a plain line every {@code logEveryNanos}, so that a
 * slow transfer shows it is alive without flooding the log.
 */
public final class TransferProgress {
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final long logEveryNanos;
    private final LongSupplier clock;
    private String name = "";
    private long total;
    private long done;
    private long resumedAt;
    private long started;
    private long lastShown;

    public TransferProgress(PrintStream out, boolean terminal, long logEveryNanos, LongSupplier clock) {
        this.out = out;
        this.terminal = terminal;
        this.logEveryNanos = logEveryNanos;
        this.clock = clock;
    }

    /** Progress on standard error, redrawn on a terminal, else a line every 10 seconds. */
    public static TransferProgress standardError() {
        return new TransferProgress(System.err, System.console() != null, 10_000_000_000L, System::nanoTime);
    }

    /** A new file of total bytes (-1 when unknown). */
    void start(String name, long total) {
        this.name = name;
        this.total = total;
        this.done = 0;
        this.resumedAt = 0;
        this.started = clock.getAsLong();
        this.lastShown = started;
    }

    /** The transfer goes on from offset: bytes already on disk do not count towards the rate. */
    void resumed(long offset) {
        done = offset;
        resumedAt = offset;
    }

    void advance(long bytes) {
        done += bytes;
        long now = clock.getAsLong();
        if (now - lastShown >= (terminal ? REDRAW_NANOS : logEveryNanos)) {
            lastShown = now;
            show(now, false);
        }
    }

    void finish() {
        show(clock.getAsLong(), true);
    }

    private void show(long now, boolean last) {
        double seconds = Math.max(now - started, 1) / 1e9;
        double rate = (done - resumedAt) / seconds;
        String line = String.format(Locale.ROOT, "fetch %s %s / %s, %.1f MB/s%s", name, mb(done),
                total >= 0 ? mb(total) : "?", rate / 1e6, last ? ", done in " + String.format(Locale.ROOT, "%.1f s", seconds)
                        : total >= 0 && rate > 0 ? ", ETA " + eta((total - done) / rate) : "");
        if (terminal) {
            out.print("\r" + line + "\033[K" + (last ? System.lineSeparator() : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String eta(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + " s";
    }
}
