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
 * period. On several nodes (a train stage run as a Kubeflow Trainer TrainJob) each node's JVM starts its own ranks,
 * at the places its {@link Placement} gives them.
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
     * Where this node's local ranks sit among all ranks of a command: node {@code node} of {@code nodes}, each
     * starting {@code ranksPerNode} ranks, and the rendezvous where global rank 0 listens. One node rendezvous on
     * 127.0.0.1 at a port that is free when its ranks start ({@code masterPort} 0).
     */
    record Placement(int nodes, int node, int ranksPerNode, String masterAddress, int masterPort) {
        private static final String LOOPBACK = "127.0.0.1";
        private static final String LAUNCHER = "the launcher (Kubeflow Trainer's torch runtime)";

        /** ranks local ranks on this node alone. */
        static Placement local(int ranks) {
            return new Placement(1, 0, ranks, LOOPBACK, 0);
        }

        /**
         * This node's place for --nodes and --nproc: alone with one node, else from the variables that Kubeflow
         * Trainer's torch plugin sets for torchrun ({@link WorkerContract.MultiNode}), checked before any work, since
         * a node that joined with a wrong rank or count would wait at the rendezvous until it timed out.
         */
        static Placement of(Kind kind, int nodes, int ranksPerNode, Map<String, String> environment)
                throws StageCommand.InvalidInput {
            if (nodes < 1 || (kind == Kind.DJL && nodes > 1)) {
                throw new StageCommand.InvalidInput(String.format(Locale.ROOT, "%s %d: expected 1 or more nodes, and"
                        + " more than 1 only with %s torch (the DJL engine computes in this process)",
                        WorkerContract.Flags.NODES, nodes, WorkerContract.Flags.ENGINE));
            }
            if (nodes == 1) {
                return local(ranksPerNode);
            }
            agrees(environment, WorkerContract.MultiNode.NODES_ENV, nodes, WorkerContract.Flags.NODES);
            agrees(environment, WorkerContract.MultiNode.RANKS_PER_NODE_ENV, ranksPerNode, WorkerContract.Flags.NPROC);
            int node = number(environment, nodes, WorkerContract.MultiNode.NODE_RANK_ENV, 0, nodes - 1,
                    "this node's index");
            String address = required(environment, nodes, WorkerContract.MultiNode.MASTER_ADDR_ENV,
                    "the host name of node 0, where global rank 0 listens").strip();
            int port = number(environment, nodes, WorkerContract.MultiNode.MASTER_PORT_ENV, 1, 65535,
                    "the port of the rendezvous on node 0");
            return new Placement(nodes, node, ranksPerNode, address, port);
        }

        int worldSize() {
            return nodes * ranksPerNode;
        }

        int globalRank(int localRank) {
            return node * ranksPerNode + localRank;
        }

        /** A count the launcher may state (Kubeflow Trainer does), which must then be the flag's. */
        private static void agrees(Map<String, String> environment, String variable, int expected, String flag)
                throws StageCommand.InvalidInput {
            String value = environment.get(variable);
            // PET_NPROC_PER_NODE may be "auto", which torchrun resolves to the GPUs; --nproc says how many
            if (value != null && value.strip().matches("[0-9]+") && !value.strip().equals(String.valueOf(expected))) {
                throw new StageCommand.InvalidInput(String.format(Locale.ROOT, "%s is %s, but %s is %d: expected %s"
                        + " to set it to %d, or a TrainJob and a command line of the same stage", variable,
                        value.strip(), flag, expected, LAUNCHER, expected));
            }
        }

        private static String required(Map<String, String> environment, int nodes, String variable, String what)
                throws StageCommand.InvalidInput {
            String value = environment.get(variable);
            if (value == null || value.isBlank()) {
                throw new StageCommand.InvalidInput(String.format(Locale.ROOT, "%s is %s: with %s %d %s must set it"
                        + " to %s", variable, value == null ? "missing" : "empty", WorkerContract.Flags.NODES, nodes,
                        LAUNCHER, what));
            }
            return value;
        }

        private static int number(Map<String, String> environment, int nodes, String variable, int min, int max,
                String what) throws StageCommand.InvalidInput {
            String value = required(environment, nodes, variable, what).strip();
            if (value.matches("[0-9]{1,9}") && Integer.parseInt(value) >= min && Integer.parseInt(value) <= max) {
                return Integer.parseInt(value);
            }
            throw new StageCommand.InvalidInput(String.format(Locale.ROOT, "%s is '%s': expected %s, %d to %d (with"
                    + " %s %d)", variable, value, what, min, max, WorkerContract.Flags.NODES, nodes));
        }
    }

    /** {@link #run(String, List, Placement, Map, Duration)} on this node alone. */
    static StageOutputs run(String command, List<String> args, int ranks, Map<String, String> environment,
            Duration grace) throws Exception {
        return run(command, args, Placement.local(ranks), environment, grace);
    }

    /**
     * Runs one command of plrd_torch to the end as this node's local processes, one per GPU, and returns the outputs
     * of its first rank (global rank 0's on node 0); a failure comes back as the exception of its exit code
     * (InvalidInput, GateFailed, NonFiniteLossException), anything else as an IOException naming the code.
     *
     * <p>The ranks are started here rather than by torchrun, which Debian's Python 3.11 build cannot run and a
     * worker image may lack: each gets what torchrun gives it with a static rendezvous (RANK, LOCAL_RANK,
     * WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT): on one node a free port on 127.0.0.1, as
     * torchrun --standalone, on several the rendezvous of the placement, as torchrun --nnodes M --node-rank K. When
     * one rank fails the others of this node are stopped (after {@link #SETTLE}, SIGTERM, then SIGKILL after the
     * grace period), since they would wait in their next collective; a permanent exit code of any rank decides the
     * outcome, else the first failure. Ranks on other nodes are their launchers' to stop.
     */
    static StageOutputs run(String command, List<String> args, Placement placement, Map<String, String> environment,
            Duration grace) throws Exception {
        int ranks = placement.ranksPerNode();
        List<Path> results = new ArrayList<>();
        List<Process> children = new ArrayList<>();
        Thread forward = new Thread(() -> stop(children, grace), "plrd-torch-sigterm");
        try {
            Runtime.getRuntime().addShutdownHook(forward);
            int port = placement.masterPort() > 0 ? placement.masterPort() : ranks > 1 ? freePort() : 0;
            for (int rank = 0; rank < ranks; rank++) {
                results.add(Files.createTempFile("plrd-torch-rank" + rank + "-", ".json"));
            }
            synchronized (children) {
                for (int rank = 0; rank < ranks; rank++) {
                    children.add(start(command, args, results.get(rank), environment, placement.worldSize() > 1
                            ? rankEnvironment(placement, rank, port, environment) : Map.of()));
                }
            }
            int[] codes = new int[ranks];
            List<Integer> failed = waitForAll(children, codes, grace);
            if (failed.isEmpty()) {
                return outcome(placement, command, WorkerContract.EXIT_OK, Files.readString(results.get(0)));
            }
            int decisive = failed.stream().filter(r -> WorkerContract.PERMANENT_EXIT_CODES.contains(codes[r]))
                    .findFirst().orElse(failed.get(0));
            // only a node's first rank writes a failure's result: it names the cause when it failed the same way
            String json = Files.readString(results.get(decisive));
            if (json.isBlank() && codes[0] == codes[decisive]) {
                json = Files.readString(results.get(0));
            }
            String who = placement.worldSize() == 1 ? "plrd_torch " + command
                    : String.format(Locale.ROOT, "plrd_torch %s (rank %d of %d)", command,
                            placement.globalRank(decisive), placement.worldSize());
            return outcome(placement, who, codes[decisive], json);
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
     * What torchrun gives local rank {@code localRank} of this node. Like torchrun, one OpenMP thread per rank unless
     * the environment says otherwise: N ranks with a thread per core each would oversubscribe the node's CPUs N times.
     */
    static Map<String, String> rankEnvironment(Placement placement, int localRank, int port,
            Map<String, String> environment) {
        Map<String, String> variables = new HashMap<>(Map.of("RANK", String.valueOf(placement.globalRank(localRank)),
                "LOCAL_RANK", String.valueOf(localRank), "WORLD_SIZE", String.valueOf(placement.worldSize()),
                "LOCAL_WORLD_SIZE", String.valueOf(placement.ranksPerNode()), "GROUP_RANK",
                String.valueOf(placement.node()), "MASTER_ADDR", placement.masterAddress(), "MASTER_PORT",
                String.valueOf(port)));
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

    /**
     * who: the process that decided, such as {@code plrd_torch train (rank 1 of 4)}. On several nodes a failure's
     * message starts with the node, as each node's termination message is read on its own.
     */
    private static StageOutputs outcome(Placement placement, String who, int code, String json) throws Exception {
        if (code == WorkerContract.EXIT_OK) {
            return JSON.readValue(json, StageOutputs.class);
        }
        JsonNode failure = json.isBlank() ? JSON.createObjectNode() : JSON.readTree(json);
        String message = failure.path("error").asText(String.format(Locale.ROOT,
                "%s exited with %d and wrote no result", who, code));
        if (placement.nodes() > 1) {
            message = String.format(Locale.ROOT, "node %d of %d: %s", placement.node(), placement.nodes(), message);
        }
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
