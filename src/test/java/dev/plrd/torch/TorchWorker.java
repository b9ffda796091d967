package dev.plrd.torch;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the PyTorch engine's Python (src/main/python, and the helpers in src/test/python) in a child process, with an
 * interpreter that imports torch: $PLRD_PYTHON, python3 or /usr/bin/python3 (Debian's python3-torch). Without one the
 * tests are skipped, except under CI, which installs it, where they fail.
 */
final class TorchWorker {
    static final Path SOURCES = Path.of("src/main/python").toAbsolutePath();
    static final Path TEST_SOURCES = Path.of("src/test/python").toAbsolutePath();
    private static String interpreter;

    private TorchWorker() {
    }

    /** The interpreter, or the test skipped (failed under CI). */
    static synchronized String python() {
        if (interpreter == null) {
            List<String> candidates = new ArrayList<>();
            if (System.getenv("PLRD_PYTHON") != null) {
                candidates.add(System.getenv("PLRD_PYTHON"));
            }
            candidates.addAll(List.of("python3", "/usr/bin/python3"));
            interpreter = candidates.stream().filter(TorchWorker::importsTorch).findFirst().orElse("");
        }
        if (interpreter.isEmpty()) {
            String why = "no python3 that imports torch (tried $PLRD_PYTHON, python3, /usr/bin/python3):"
                    + " apt-get install -y python3-torch libopenblas0-pthread python3-numpy";
            if (System.getenv("CI") != null) {
                fail(why + "; CI installs it, so this is a failure there");
            }
            Assumptions.abort(why);
        }
        return interpreter;
    }

    private static boolean importsTorch(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch, numpy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** python3 -m plrd_torch ARGS, output to log, started. environment is added to the inherited one. */
    static Process start(Path log, Map<String, String> environment, Object... args) throws IOException {
        List<String> line = new ArrayList<>(List.of(python(), "-m", "plrd_torch"));
        Stream.of(args).map(String::valueOf).forEach(line::add);
        return launch(line, log, environment);
    }

    /** A script of src/test/python with its arguments, started. */
    static Process script(String name, Path log, Object... args) throws IOException {
        List<String> line = new ArrayList<>(List.of(python(), TEST_SOURCES.resolve(name).toString()));
        Stream.of(args).map(String::valueOf).forEach(line::add);
        return launch(line, log, Map.of());
    }

    private static Process launch(List<String> line, Path log, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PYTHONPATH", SOURCES + File.pathSeparator + TEST_SOURCES);
        builder.environment().put("OMP_NUM_THREADS", "1");
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** Waits for the process (at most 5 minutes) and returns its exit code. */
    static int finish(Process process, Path log) throws IOException, InterruptedException {
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail("the worker ran over 5 minutes:\n" + Files.readString(log));
        }
        return process.exitValue();
    }

    /** Runs python3 -m plrd_torch ARGS to the end: the exit code and what it printed. */
    static Run run(Path log, Object... args) throws IOException, InterruptedException {
        Process p = start(log, Map.of(), args);
        int code = finish(p, log);
        return new Run(code, Files.readString(log));
    }

    record Run(int code, String output) {
    }
}
