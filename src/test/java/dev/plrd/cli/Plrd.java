package dev.plrd.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Arrays;

/** Runs the plrd command line in this JVM and captures what it prints. */
final class Plrd {
    record Run(int code, String out, String err) {
    }

    private Plrd() {
    }

    /** Arguments are strings, or anything (paths, numbers) whose toString is the argument. */
    static Run run(Object... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            int code = PlrdCommand.commandLine().execute(Arrays.stream(args).map(String::valueOf)
                    .toArray(String[]::new));
            return new Run(code, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
