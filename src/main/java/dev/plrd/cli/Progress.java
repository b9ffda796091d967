package dev.plrd.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A progress bar redrawn in place on a terminal; plain lines, one per step, in logs. */
final class Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean terminal;
    private final String task;

    Progress(String task) {
        this(task, System.err, System.console() != null);
    }

    Progress(String task, PrintStream out, boolean terminal) {
        this.task = task;
        this.out = out;
        this.terminal = terminal;
    }

    void step(int done, int total, String detail) {
        if (terminal) {
            int filled = total == 0 ? WIDTH : done * WIDTH / total;
            out.printf(Locale.ROOT, "\r%s [%s%s] %d/%d %s\033[K", task, "=".repeat(filled), " ".repeat(WIDTH - filled),
                    done, total, detail);
            if (done == total) {
                out.println();
            }
        } else {
            out.printf(Locale.ROOT, "%s %d/%d %s%n", task, done, total, detail);
        }
        out.flush();
    }
}
