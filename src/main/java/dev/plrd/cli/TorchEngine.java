package dev.plrd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.StageOutputs;
import dev.plrd.plan.WorkerContract;
import dev.plrd.train.NonFiniteLossException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch engine: {@code python3 -m plrd_torch train|evaluate ...} as a child process, with the flags, exit codes
 * and result JSON of the worker contract. This JVM resolves the inputs (fetching remote ones) and checks the flags;
 * the child computes. Its exit code comes back as the exception {@link StageCommand} maps to the same code, and a
 * SIGTERM to this JVM is passed on to the child, which saves its state within the grace period.
 *
 * <p>Where the Python sources are: system property {@value #PYTHON_PATH_PROPERTY}, else environment variable
 * {@value #PYTHON_PATH_ENV}, else {@value #SOURCE_TREE_PATH} when it exists (a checkout), else {@value #IMAGE_PATH}
 * (the GPU image). The interpreter: {@value #PYTHON_PROPERTY}, else {@value #PYTHON_ENV}, else {@code python3}.
 */
final class TorchEngine {
    static final String PYTHON_PATH_PROPERTY = "plrd.python.path";
    static final String PYTHON_PATH_ENV = "PLRD_PYTHON_PATH";
    static final String SOURCE_TREE_PATH = "src/main/python";
    static final String IMAGE_PATH = "/opt/plrd/python";
    static final String PYTHON_PROPERTY = "plrd.python";
    static final String PYTHON_ENV = "PLRD_PYTHON";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which engine a train or evaluate stage computes on. */
    enum Kind {
        DJL, TORCH;

        static Kind parse(String cli) throws StageCommand.InvalidInput {
            return switch (cli) {
                case "djl" -> DJL;
                case "torch" -> TORCH;
                default -> throw new StageCommand.InvalidInput(WorkerContract.Flags.ENGINE + " " + cli
                        + ": expected djl (the CPU engine) or torch (the PyTorch engine)");
            };
        }
    }

    private TorchEngine() {
    }

    /**
     * Runs one command of plrd_torch to the end and returns its outputs; a failure comes back as the exception of its
     * exit code (InvalidInput, GateFailed, NonFiniteLossException), anything else as an IOException naming the code.
     */
    static StageOutputs run(String command, List<String> args, Map<String, String> environment, Duration grace)
            throws Exception {
        Path result = Files.createTempFile("plrd-torch-", ".json");
        try {
            List<String> line = new ArrayList<>(List.of(python(environment), "-m", "plrd_torch", command));
            line.addAll(args);
            line.addAll(List.of(WorkerContract.Flags.RESULT, result.toString()));
            ProcessBuilder builder = new ProcessBuilder(line).inheritIO();
            String sources = pythonPath(environment).toAbsolutePath().toString();
            String inherited = environment.get("PYTHONPATH");
            builder.environment().put("PYTHONPATH", inherited == null || inherited.isEmpty() ? sources
                    : sources + File.pathSeparator + inherited);
            Process child = builder.start();
            Thread forward = new Thread(() -> stop(child, grace), "plrd-torch-sigterm");
            Runtime.getRuntime().addShutdownHook(forward);
            int code;
            try {
                code = child.waitFor();
            } finally {
                removeHook(forward);
            }
            return outcome(command, code, Files.readString(result));
        } finally {
            Files.deleteIfExists(result);
        }
    }

    /** SIGTERM to the child, then waiting for it to save and exit, as the kubelet waits for this JVM. */
    private static void stop(Process child, Duration grace) {
        child.destroy();
        try {
            child.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs: it returns once the child has exited
        }
    }

    private static StageOutputs outcome(String command, int code, String json) throws Exception {
        if (code == WorkerContract.EXIT_OK) {
            return JSON.readValue(json, StageOutputs.class);
        }
        JsonNode failure = json.isBlank() ? JSON.createObjectNode() : JSON.readTree(json);
        String message = failure.path("error").asText(String.format(Locale.ROOT,
                "plrd_torch %s exited with %d and wrote no result", command, code));
        switch (code) {
            case WorkerContract.EXIT_INVALID_INPUT -> throw new StageCommand.InvalidInput(message);
            case WorkerContract.EXIT_GATE_FAILED -> throw new StageCommand.GateFailed(message);
            case WorkerContract.EXIT_NON_FINITE -> throw new NonFiniteLossException(message);
            default -> throw new IOException(String.format(Locale.ROOT, "the torch engine (plrd_torch %s) exited with %d:"
                    + " %s", command, code, message));
        }
    }

    static String python(Map<String, String> environment) {
        String property = System.getProperty(PYTHON_PROPERTY);
        return property != null ? property : environment.getOrDefault(PYTHON_ENV, "python3");
    }

    static Path pythonPath(Map<String, String> environment) {
        String property = System.getProperty(PYTHON_PATH_PROPERTY);
        if (property != null) {
            return Path.of(property);
        }
        String variable = environment.get(PYTHON_PATH_ENV);
        if (variable != null) {
            return Path.of(variable);
        }
        return Files.isDirectory(Path.of(SOURCE_TREE_PATH)) ? Path.of(SOURCE_TREE_PATH) : Path.of(IMAGE_PATH);
    }
}
