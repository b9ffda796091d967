package dev.plrd.cli;

import dev.plrd.model.Preset;
import dev.plrd.model.RandomInit;
import dev.plrd.testing.JavaProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make bench}: `plrd decompose` on the whole tiny model, as its own process (as in a stage
 * pod), timing each run and sampling the process's peak resident memory (VmHWM).
 */
@Tag("bench")
class TinyModelDecomposeBench {
    @TempDir
    Path dir;

    @Test
    void decomposeTheTinyModelEndToEnd() throws Exception {
        Path base = dir.resolve("tiny");
        RandomInit.write(Preset.TINY.config(), base, 1);
        System.out.printf("%n== make bench: plrd decompose of the tiny model (%d cores) ==%n",
                Runtime.getRuntime().availableProcessors());
        run("dense -> rank fraction 0.5, exact", "--from", base, "--to", dir.resolve("exact"), "--rank-fraction", "0.5");
        run("dense -> rank fraction 0.5, randomized", "--from", base, "--to", dir.resolve("randomized"),
                "--rank-fraction", "0.5", "--method", "randomized");
        run("dense -> 2.4M parameters, spectrum", "--from", base, "--to", dir.resolve("spectrum"),
                "--target-parameters", "2.4M", "--allocation", "spectrum");
        run("factored -> 1.5M parameters (progressive)", "--from", dir.resolve("exact"), "--to", dir.resolve("second"),
                "--target-parameters", "1.5M");
        System.out.println();
    }

    private void run(String what, Object... args) throws IOException, InterruptedException {
        List<Object> all = new ArrayList<>(List.of("decompose"));
        all.addAll(List.of(args));
        Path log = dir.resolve("log.txt");
        long start = System.nanoTime();
        JavaProcess p = JavaProcess.start(Main.class, log, all.toArray());
        int exit = p.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        String summary = Files.readAllLines(log).stream().filter(l -> l.startsWith("decompose: ") && l.contains("->")
                && l.contains("parameters")).findFirst().orElse("exit " + exit + ": " + Files.readString(log));
        System.out.printf(Locale.ROOT, "%-45s %6.1f s wall (JVM start included), peak RSS %5.0f MiB%n  %s%n", what, seconds,
                p.peakMiB(), summary);
    }
}
