package dev.plrd.torch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.cli.PlrdCommand;
import dev.plrd.model.Checkpoint;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PyTorch worker as a stage runs it: exit codes and results through {@code plrd ... --engine torch}, resuming
 * bit for bit after SIGTERM and after SIGKILL, and two gloo ranks, on one node or on two, computing what one process
 * computes.
 */
class TorchWorkerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path model;
    static Path data;

    @BeforeAll
    static void inputs() throws IOException {
        System.setProperty("plrd.python", TorchWorker.python());
        System.setProperty("plrd.python.path", TorchWorker.SOURCES.toString());
        model = dir.resolve("model");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), model, 3);
        data = CountingTokens.write(dir.resolve("counting.bin"), 100_000, MicroModel.VOCAB, 2);
    }

    /** steps of 4 micro-batches of 2 x 16 tokens. */
    private static List<Object> train(Path to, Path state, int steps, Object... more) {
        List<Object> args = new ArrayList<>(List.of("train", "--from", model, "--to", to, "--state", state, "--data",
                data, "--tokens", steps * 128, "--seq-len", 16, "--micro-batch", 2, "--global-batch-tokens", 128, "--lr",
                "3e-3", "--warmup", 2, "--seed", 5));
        args.addAll(List.of(more));
        return args;
    }

    private static int plrd(Object... args) {
        return PlrdCommand.commandLine().execute(java.util.Arrays.stream(args).map(String::valueOf).toArray(String[]::new));
    }

    @Test
    void theEngineFlagRunsTorchAndPassesItsResultThrough() throws Exception {
        Path result = dir.resolve("train-result.json");
        Path to = dir.resolve("via-cli");
        int code = plrd(train(to, dir.resolve("via-cli.state"), 24, "--engine", "torch", "--result", result).toArray());
        assertThat(code).isZero();
        JsonNode out = JSON.readTree(result.toFile());
        assertThat(out.get("uri").asText()).isEqualTo(to.toAbsolutePath().toString());
        assertThat(out.get("tokens").asLong()).isEqualTo(24 * 128);
        assertThat(out.get("parameters").asLong()).isEqualTo(98_624);
        try (Checkpoint trained = Checkpoint.open(to)) {
            assertThat(trained.config().toJson()).isEqualTo(ModelConfig.parse(MicroModel.CONFIG).toJson());
        }

        Path evaluation = dir.resolve("evaluate-result.json");
        code = plrd("evaluate", "--engine", "torch", "--model", to, "--data", data, "--tokens", "512", "--seq-len", 16,
                "--parent", model, "--result", evaluation);
        assertThat(code).isZero();
        JsonNode measured = JSON.readTree(evaluation.toFile());
        assertThat(measured.get("perplexity").asDouble()).isLessThan(measured.get("parentPerplexity").asDouble());
    }

    @Test
    void badInputExitsTwoBeforeAnyWorkAndTheGateExitsTen() throws Exception {
        Path result = dir.resolve("bad.json");
        TorchWorker.Run run = TorchWorker.run(dir.resolve("bad.log"), "train", "--from", model, "--to",
                dir.resolve("never"), "--data", data, "--tokens", "10", "--seq-len", 16, "--result", result);
        assertThat(run.code()).as(run.output()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(JSON.readTree(result.toFile()).get("reason").asText()).isEqualTo("InvalidInput");
        assertThat(JSON.readTree(result.toFile()).get("error").asText()).contains("--tokens 10 is smaller than one"
                + " optimizer step");
        assertThat(run.output()).doesNotContain("train 1/");
        assertThat(dir.resolve("never")).doesNotExist();

        Files.writeString(Files.createDirectories(dir.resolve("config-only")).resolve("config.json"), "{}");
        run = TorchWorker.run(dir.resolve("bad2.log"), "evaluate", "--model", dir.resolve("config-only"), "--data",
                data, "--result", result);
        assertThat(run.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(JSON.readTree(result.toFile()).get("error").asText()).contains("config.json").contains("architectures");

        int code = plrd("train", "--engine", "tensorflow", "--from", model, "--to", dir.resolve("never"), "--data", data,
                "--tokens", "1K", "--result", result);
        assertThat(code).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(JSON.readTree(result.toFile()).get("error").asText()).contains("--engine tensorflow");

        // a member measured against itself with a maximum ratio below 1 cannot pass
        run = TorchWorker.run(dir.resolve("gate.log"), "evaluate", "--model", model, "--data", data, "--tokens", "256",
                "--seq-len", 16, "--parent", model, "--max-perplexity-ratio", "0.5", "--result", result);
        assertThat(run.code()).as(run.output()).isEqualTo(WorkerContract.EXIT_GATE_FAILED);
        assertThat(JSON.readTree(result.toFile()).get("reason").asText()).isEqualTo("EvaluationGateFailed");
        code = plrd("evaluate", "--engine", "torch", "--model", model, "--data", data, "--tokens", "256", "--seq-len",
                16, "--parent", model, "--max-perplexity-ratio", "0.5", "--result", result);
        assertThat(code).isEqualTo(WorkerContract.EXIT_GATE_FAILED);
    }

    @Test
    void resumingAfterSigtermAndAfterAKillIsBitExact() throws Exception {
        Path straight = dir.resolve("straight");
        TorchWorker.Run run = TorchWorker.run(dir.resolve("straight.log"),
                train(straight, dir.resolve("straight.state"), 200).toArray());
        assertThat(run.code()).as(run.output()).isZero();

        Path stopped = dir.resolve("stopped");
        Path state = dir.resolve("stopped.state");
        Path log = dir.resolve("sigterm.log");
        Process worker = TorchWorker.start(log, Map.of(), train(stopped, state, 200, "--checkpoint-every", "1B").toArray());
        awaitStep(worker, log, 5);
        worker.destroy(); // SIGTERM, as the kubelet sends it
        assertThat(TorchWorker.finish(worker, log)).as(Files.readString(log)).isEqualTo(128 + 15);
        assertThat(Files.readString(log)).containsPattern("state saved at step \\d+");
        assertThat(stopped).doesNotExist();
        long saved = Long.parseLong(Files.readString(state.resolve("latest")).substring("step-".length()));
        assertThat(saved).isBetween(5L, 199L);

        Path killed = dir.resolve("killed.log");
        worker = TorchWorker.start(killed, Map.of(), train(stopped, state, 200, "--checkpoint-every", "256",
                "--resume").toArray());
        awaitStep(worker, killed, saved + 4);
        worker.destroyForcibly(); // SIGKILL: no save, the last periodic one stands
        TorchWorker.finish(worker, killed);
        assertThat(Files.readString(killed)).contains("resumed at step " + saved);

        long periodic = Long.parseLong(Files.readString(state.resolve("latest")).substring("step-".length()));
        assertThat(periodic).isGreaterThan(saved);
        run = TorchWorker.run(dir.resolve("resumed.log"), train(stopped, state, 200, "--checkpoint-every", "256",
                "--resume").toArray());
        assertThat(run.code()).as(run.output()).isZero();
        assertThat(run.output()).contains("resumed at step " + periodic + " of 200");
        assertSameWeights(straight, stopped, 0);
    }

    private static void awaitStep(Process worker, Path log, long step) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (!Files.readString(log).contains("train " + step + "/") && Instant.now().isBefore(deadline)
                && worker.isAlive()) {
            Thread.sleep(20);
        }
        assertThat(Files.readString(log)).as("the worker reached step %d", step).contains("train " + step + "/");
    }

    private static Path oneProcess;

    /** 24 steps trained by one process, the reference of the tests with two ranks; trained once. */
    private static synchronized Path oneProcess() throws Exception {
        if (oneProcess == null) {
            Path single = dir.resolve("one-rank");
            TorchWorker.Run one = TorchWorker.run(dir.resolve("one.log"),
                    train(single, dir.resolve("one.state"), 24).toArray());
            assertThat(one.code()).as(one.output()).isZero();
            oneProcess = single;
        }
        return oneProcess;
    }

    @Test
    void twoGlooRanksMatchOneProcessAtTheSameGlobalBatch() throws Exception {
        Path single = oneProcess();

        Path pair = dir.resolve("two-ranks");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<Process> ranks = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            Path log = dir.resolve("rank" + rank + ".log");
            logs.add(log);
            ranks.add(TorchWorker.start(log, Map.of("RANK", String.valueOf(rank), "LOCAL_RANK", String.valueOf(rank),
                    "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", String.valueOf(port)),
                    train(pair, dir.resolve("two.state"), 24).toArray()));
        }
        for (int rank = 0; rank < 2; rank++) {
            assertThat(TorchWorker.finish(ranks.get(rank), logs.get(rank))).as(Files.readString(logs.get(rank))).isZero();
        }
        assertThat(Files.readString(logs.get(0))).contains("2 ranks, DDP").contains("train 24/24");
        double worst = assertSameWeights(single, pair, 1e-5);
        System.err.printf("2 gloo ranks (DDP) against 1 process, 24 steps: max weight difference %.3e of the largest"
                + " weight%n", worst);
    }

    @Test
    void nprocStartsTheRanksItselfAndRankZerosResultIsTheStages() throws Exception {
        Path single = oneProcess();
        Path pair = dir.resolve("nproc-two");
        Path result = dir.resolve("nproc-train.json");
        int code = plrd(train(pair, dir.resolve("nproc-two.state"), 24, "--engine", "torch", "--nproc", 2, "--result",
                result).toArray());
        assertThat(code).isZero();
        JsonNode out = JSON.readTree(result.toFile());
        assertThat(out.get("uri").asText()).isEqualTo(pair.toAbsolutePath().toString());
        assertThat(out.get("tokens").asLong()).isEqualTo(24 * 128);
        double worst = assertSameWeights(single, pair, 1e-5);
        System.err.printf("plrd train --nproc 2 (2 gloo ranks) against 1 process, 24 steps: max weight difference"
                + " %.3e of the largest weight%n", worst);

        Path oneRank = dir.resolve("nproc-evaluate-1.json");
        Path twoRanks = dir.resolve("nproc-evaluate-2.json");
        assertThat(plrd("evaluate", "--engine", "torch", "--model", pair, "--data", data, "--tokens", "512", "--seq-len",
                16, "--result", oneRank)).isZero();
        assertThat(plrd("evaluate", "--engine", "torch", "--nproc", 2, "--model", pair, "--data", data, "--tokens",
                "512", "--seq-len", 16, "--result", twoRanks)).isZero();
        JsonNode byOne = JSON.readTree(oneRank.toFile());
        JsonNode byTwo = JSON.readTree(twoRanks.toFile());
        assertThat(byTwo.get("tokens").asLong()).isEqualTo(byOne.get("tokens").asLong()).isPositive();
        assertThat(byTwo.get("perplexity").asDouble()).isCloseTo(byOne.get("perplexity").asDouble(),
                org.assertj.core.data.Percentage.withPercentage(1e-4));
    }

    @Test
    void twoNodesOfOneRankTrainAsOneProcessAndNodeZerosResultIsTheStages() throws Exception {
        Path single = oneProcess();
        Path pair = dir.resolve("two-nodes");
        Path state = dir.resolve("two-nodes.state");
        Path report = dir.resolve("two-nodes.report.json");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // two launchers side by side, as two pods of a TrainJob would run them, each with its node's PET_* variables
        ExecutorService launchers = Executors.newFixedThreadPool(2);
        List<Future<Integer>> codes = new ArrayList<>();
        for (int node = 0; node < 2; node++) {
            Map<String, String> environment = Map.of("PET_NNODES", "2", "PET_NPROC_PER_NODE", "1", "PET_NODE_RANK",
                    String.valueOf(node), "PET_MASTER_ADDR", "127.0.0.1", "PET_MASTER_PORT", String.valueOf(port));
            String[] args = train(pair, state, 24, "--engine", "torch", "--nodes", 2, "--result",
                    dir.resolve("node" + node + ".json"), "--report", report).stream().map(String::valueOf)
                    .toArray(String[]::new);
            codes.add(launchers.submit(() -> PlrdCommand.commandLine(environment).execute(args)));
        }
        try {
            for (Future<Integer> code : codes) {
                assertThat(code.get(5, TimeUnit.MINUTES)).isZero();
            }
        } finally {
            launchers.shutdownNow();
        }
        JsonNode first = JSON.readTree(dir.resolve("node0.json").toFile());
        JsonNode second = JSON.readTree(dir.resolve("node1.json").toFile());
        assertThat(first.get("uri").asText()).isEqualTo(pair.toAbsolutePath().toString());
        assertThat(first.get("tokens").asLong()).isEqualTo(24 * 128);
        assertThat(first.has("node")).isFalse();
        assertThat(JSON.readTree(report.toFile())).as("the stage's report is node 0's result").isEqualTo(first);
        assertThat(second.get("node").asInt()).isEqualTo(1);
        assertThat(second.get("nodes").asInt()).isEqualTo(2);
        assertThat(second.get("loss")).isEqualTo(first.get("loss"));

        double loss = finalLoss(dir.resolve("one.state"));
        assertThat(finalLoss(state)).isCloseTo(loss, org.assertj.core.data.Offset.offset(1e-5 * Math.abs(loss)));
        double worst = assertSameWeights(single, pair, 1e-5);
        System.err.printf("plrd train --nodes 2 (2 launchers of 1 gloo rank) against 1 process, 24 steps: final loss"
                + " %.6f against %.6f, max weight difference %.3e of the largest weight%n", finalLoss(state), loss,
                worst);
    }

    @Test
    void ranksOnTwoNodesRefuseAStateDirectoryTheyDoNotShare() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // one rank per node, each node with a state directory of its own, as two pods with their own volumes
        List<Process> ranks = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            Path log = dir.resolve("unshared" + rank + ".log");
            logs.add(log);
            ranks.add(TorchWorker.start(log, Map.of("RANK", String.valueOf(rank), "LOCAL_RANK", "0", "WORLD_SIZE", "2",
                    "LOCAL_WORLD_SIZE", "1", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", String.valueOf(port)),
                    train(dir.resolve("unshared"), dir.resolve("unshared" + rank + ".state"), 24, "--result",
                            dir.resolve("unshared" + rank + ".json")).toArray()));
        }
        for (int rank = 0; rank < 2; rank++) {
            assertThat(TorchWorker.finish(ranks.get(rank), logs.get(rank))).as(Files.readString(logs.get(rank)))
                    .isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
            assertThat(JSON.readTree(dir.resolve("unshared" + rank + ".json").toFile()).get("error").asText())
                    .as("each node's first rank says why").startsWith("--state " + dir.resolve("unshared" + rank + ".state")
                            + " is not shared by the nodes: 1 of 2 ranks do not see what rank 0 wrote there");
        }
        assertThat(dir.resolve("unshared")).doesNotExist();
    }

    /** The last step's loss, unrounded, from the newest snapshot of a training state. */
    private static double finalLoss(Path state) throws IOException {
        Path snapshot = state.resolve(Files.readString(state.resolve("latest")).strip());
        return JSON.readTree(snapshot.resolve("state.json").toFile()).get("loss").asDouble();
    }

    @Test
    void aFailureOfTheRanksComesBackWithItsExitCodeAndMessage() throws Exception {
        Path result = dir.resolve("nproc-bad.json");
        // 4 micro-batches per step cannot be shared by 3 ranks: every rank refuses, rank 0 says why
        int code = plrd(train(dir.resolve("nproc-never"), dir.resolve("nproc-never.state"), 24, "--engine", "torch",
                "--nproc", 3, "--result", result).toArray());
        assertThat(code).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(JSON.readTree(result.toFile()).get("error").asText()).contains("does not divide among 3 ranks");
        assertThat(dir.resolve("nproc-never")).doesNotExist();

        code = plrd(train(dir.resolve("nproc-never"), dir.resolve("nproc-never.state"), 24, "--engine", "djl",
                "--nproc", 2, "--result", result).toArray());
        assertThat(code).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(JSON.readTree(result.toFile()).get("error").asText()).contains("--nproc 2")
                .contains("only with --engine torch");
    }

    /** The largest weight difference relative to the largest weight, asserted at most tolerance. */
    private static double assertSameWeights(Path expected, Path actual, double tolerance) throws IOException {
        double largest = 0;
        double worst = 0;
        try (Checkpoint a = Checkpoint.open(expected); Checkpoint b = Checkpoint.open(actual)) {
            for (var info : a.tensors()) {
                float[] x = a.read(info.name()).data();
                float[] y = b.read(info.name()).data();
                if (tolerance == 0) {
                    assertThat(y).as(info.name()).containsExactly(x);
                }
                for (int i = 0; i < x.length; i++) {
                    largest = Math.max(largest, Math.abs(x[i]));
                    worst = Math.max(worst, Math.abs(x[i] - y[i]));
                }
            }
        }
        assertThat(worst / largest).isLessThanOrEqualTo(tolerance);
        return worst / largest;
    }
}
