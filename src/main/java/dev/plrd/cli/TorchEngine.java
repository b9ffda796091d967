package dev.plrd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.StageOutputs;
import dev.plrd.plan.WorkerContract;
import dev.plrd.train.NonFiniteLossException;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch engine: {@code python3 -m plrd_torch train|evaluate ...} as child processes, one per local rank, with
 * the flags, exit codes and result JSON of the worker contract. This JVM resolves the inputs (fetching remote ones)
 * and checks the flags; the children compute. Their exit code comes back as the exception {@link StageCommand} maps
 * to the same code, and a SIGTERM to this JVM is passed on to every child, which saves its state within the grace
 * period.
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
    /**
     * How long the other ranks may take to exit by themselves after one failed. Bad input fails every rank within
     * moments, and only rank 0 writes the result that names the cause; a rank that waits in a collective for the failed
     * one is stopped after this.
     */
    static final Duration SETTLE = Duration.ofSeconds(10);

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

        /** The engine of --engine, checked against the local ranks of --nproc: DJL computes on one device. */
        static Kind of(String cli, int nproc) throws StageCommand.InvalidInput {
            Kind kind = parse(cli);
            if (nproc < 1 || (kind == DJL && nproc > 1)) {
                throw new StageCommand.InvalidInput(String.format(Locale.ROOT, "%s %d: expected 1 or more local ranks"
                        + " (one per GPU), and more than 1 only with %s torch", WorkerContract.Flags.NPROC, nproc,
                        WorkerContract.Flags.ENGINE));
            }
            return kind;
        }
    }

    private TorchEngine() {
    }

    /**
     * Runs one command of plrd_torch to the end as {@code ranks} local processes, one per GPU, and returns rank 0's
     * outputs; a failure comes back as the exception of its exit code (InvalidInput, GateFailed,
     * NonFiniteLossException), anything else as an IOException naming the code.
     *
     * <p>Several ranks are started here rather than by torchrun, which Debian's Python 3.11 build cannot run and a
     * worker image may lack: each gets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE and a free MASTER_PORT on
     * 127.0.0.1, as torchrun --standalone sets them. When one rank fails the others are stopped (after {@link #SETTLE},
     * SIGTERM, then SIGKILL after the grace period), since they would wait in their next collective; a permanent exit
     * code of any rank decides the outcome, else the first failure.
     */
    static StageOutputs run(String command, List<String> args, int ranks, Map<String, String> environment,
            Duration grace) throws Exception {
        List<Path> results = new ArrayList<>();
        List<Process> children = new ArrayList<>();
        Thread forward = new Thread(() -> stop(children, grace), "plrd-torch-sigterm");
        try {
            Runtime.getRuntime().addShutdownHook(forward);
            int port = ranks > 1 ? freePort() : 0;
            for (int rank = 0; rank < ranks; rank++) {
                results.add(Files.createTempFile("plrd-torch-rank" + rank + "-", ".json"));
            }
            synchronized (children) {
                for (int rank = 0; rank < ranks; rank++) {
                    children.add(start(command, args, results.get(rank), environment, ranks > 1
                            ? rankEnvironment(rank, ranks, port, environment) : Map.of()));
                }
            }
            int[] codes = new int[ranks];
            List<Integer> failed = waitForAll(children, codes, grace);
            if (failed.isEmpty()) {
                return outcome(command, WorkerContract.EXIT_OK, Files.readString(results.get(0)));
            }
            int decisive = failed.stream().filter(r -> WorkerContract.PERMANENT_EXIT_CODES.contains(codes[r]))
                    .findFirst().orElse(failed.get(0));
            // only rank 0 writes a failure's result: it names the cause when it failed the same way
            String json = Files.readString(results.get(decisive));
            if (json.isBlank() && codes[0] == codes[decisive]) {
                json = Files.readString(results.get(0));
            }
            String who = ranks == 1 ? "plrd_torch " + command
                    : String.format(Locale.ROOT, "plrd_torch %s (rank %d of %d)", command, decisive, ranks);
            return outcome(who, codes[decisive], json);
        } finally {
            removeHook(forward);
            synchronized (children) {
                children.forEach(Process::destroyForcibly);
            }
            for (Path result : results) {
                Files.deleteIfExists(result);
            }
        }
    }

    private static Process start(String command, List<String> args, Path result, Map<String, String> environment,
            Map<String, String> rankEnvironment) throws IOException {
        List<String> line = new ArrayList<>(List.of(python(environment), "-m", "plrd_torch", command));
        line.addAll(args);
        line.addAll(List.of(WorkerContract.Flags.RESULT, result.toString()));
        ProcessBuilder builder = new ProcessBuilder(line).inheritIO();
        String sources = pythonPath(environment).toAbsolutePath().toString();
        String inherited = environment.get("PYTHONPATH");
        builder.environment().put("PYTHONPATH", inherited == null || inherited.isEmpty() ? sources
                : sources + File.pathSeparator + inherited);
        builder.environment().putAll(rankEnvironment);
        return builder.start();
    }

    /**
     * What torchrun --standalone gives each local rank. Like torchrun, one OpenMP thread per rank unless the
     * environment says otherwise: N ranks with a thread per core each would oversubscribe the node's CPUs N times.
     */
    static Map<String, String> rankEnvironment(int rank, int ranks, int port, Map<String, String> environment) {
        Map<String, String> variables = new HashMap<>(Map.of("RANK", String.valueOf(rank), "LOCAL_RANK",
                String.valueOf(rank), "WORLD_SIZE", String.valueOf(ranks), "LOCAL_WORLD_SIZE", String.valueOf(ranks),
                "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", String.valueOf(port)));
        if (!environment.containsKey("OMP_NUM_THREADS")) {
            variables.put("OMP_NUM_THREADS", "1");
        }
        return variables;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Waits for every child, filling in their exit codes, and returns the ranks that failed in the order they exited.
     * After the first failure the others get {@link #SETTLE} to exit by themselves, then SIGTERM, and SIGKILL when they
     * outlive the grace period.
     */
    private static List<Integer> waitForAll(List<Process> children, int[] codes, Duration grace)
            throws InterruptedException {
        BlockingQueue<Integer> exited = new LinkedBlockingQueue<>();
        for (int rank = 0; rank < children.size(); rank++) {
            int r = rank;
            children.get(rank).onExit().thenRun(() -> exited.add(r));
        }
        List<Integer> failed = new ArrayList<>();
        List<Runnable> escalation = new ArrayList<>();
        long next = Long.MAX_VALUE;
        for (int pending = children.size(); pending > 0; ) {
            Integer rank = next == Long.MAX_VALUE ? exited.take()
                    : exited.poll(Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (rank == null) {
                escalation.remove(0).run();
                next = escalation.isEmpty() ? Long.MAX_VALUE : System.nanoTime() + grace.toNanos();
                continue;
            }
            pending--;
            codes[rank] = children.get(rank).exitValue();
            if (codes[rank] != WorkerContract.EXIT_OK) {
                if (failed.isEmpty() && pending > 0) {
                    escalation.add(() -> children.forEach(Process::destroy));
                    escalation.add(() -> children.forEach(Process::destroyForcibly));
                    next = System.nanoTime() + SETTLE.toNanos();
                }
                failed.add(rank);
            }
        }
        return failed;
    }

    /** SIGTERM to every child, then waiting for them to save and exit, as the kubelet waits for this JVM. */
    private static void stop(List<Process> children, Duration grace) {
        List<Process> started;
        synchronized (children) {
            started = List.copyOf(children);
        }
        started.forEach(Process::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            for (Process child : started) {
                child.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs: it returns once the children have exited
        }
    }

    /** who: the process that decided, such as {@code plrd_torch train (rank 1 of 4)}. */
    private static StageOutputs outcome(String who, int code, String json) throws Exception {
        if (code == WorkerContract.EXIT_OK) {
            return JSON.readValue(json, StageOutputs.class);
        }
        JsonNode failure = json.isBlank() ? JSON.createObjectNode() : JSON.readTree(json);
        String message = failure.path("error").asText(String.format(Locale.ROOT,
                "%s exited with %d and wrote no result", who, code));
        switch (code) {
            case WorkerContract.EXIT_INVALID_INPUT -> throw new StageCommand.InvalidInput(message);
            case WorkerContract.EXIT_GATE_FAILED -> throw new StageCommand.GateFailed(message);
            case WorkerContract.EXIT_NON_FINITE -> throw new NonFiniteLossException(message);
            default -> throw new IOException(String.format(Locale.ROOT, "the torch engine (%s) exited with %d: %s",
                    who, code, message));
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
