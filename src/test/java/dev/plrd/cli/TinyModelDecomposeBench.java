package dev.plrd.cli;

import dev.plrd.model.Preset;
import dev.plrd.model.RandomInit;
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
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "-Dai.djl.offline=true", "-DDJL_CACHE_DIR=" + System.getProperty("DJL_CACHE_DIR"),
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir"),
                Main.class.getName(), "decompose"));
        for (Object a : args) {
            command.add(a.toString());
        }
        Path log = dir.resolve("log.txt");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long peakKb = 0;
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        while (p.isAlive()) {
            peakKb = Math.max(peakKb, highWaterMarkKb(status));
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String summary = Files.readAllLines(log).stream().filter(l -> l.startsWith("decompose: ") && l.contains("->")
                && l.contains("parameters")).findFirst().orElse("exit " + p.exitValue() + ": " + Files.readString(log));
        System.out.printf(Locale.ROOT, "%-45s %6.1f s wall (JVM start included), peak RSS %5.0f MiB%n  %s%n", what, seconds,
                peakKb / 1024.0, summary);
    }

    private static long highWaterMarkKb(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended between the liveness check and the read
        }
        return 0;
    }
}
