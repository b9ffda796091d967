package dev.plrd.torch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.cli.PlrdCommand;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code plrd train --engine torch --nodes M} on one node of M, as a Kubeflow Trainer TrainJob starts it: the node's
 * place comes from the PET_* environment, its local ranks get their global places, and only node 0 reports the
 * stage's result. A stand-in plrd_torch (plain python3, no torch) records what each rank was given; a missing or
 * inconsistent environment is refused before any input is read or any rank is started.
 */
class MultiNodeLaunchTest {
    /**
     * Each rank writes the variables it was started with to STATE/rank-LOCAL_RANK.json, then local rank 0 a result;
     * with --seed 13 local rank 1 crashes instead, writing no result.
     */
    private static final String STAND_IN = """
            import json, os, sys
            args = sys.argv[2:]
            if os.environ.get("LOCAL_RANK") == "1" and args[args.index("--seed") + 1] == "13":
                sys.exit(1)
            state = args[args.index("--state") + 1]
            os.makedirs(state, exist_ok=True)
            names = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "MASTER_ADDR", "MASTER_PORT")
            with open(os.path.join(state, "rank-%s.json" % os.environ.get("LOCAL_RANK")), "w") as f:
                json.dump({name: os.environ.get(name) for name in names}, f)
            if os.environ.get("LOCAL_RANK") == "0":
                json.dump({"uri": "/workspace/member", "loss": 2.5, "tokens": 128},
                          open(args[args.index("--result") + 1], "w"))
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path model;
    private Path data;
    private String previousPath;

    @BeforeEach
    void standIn() throws IOException {
        Path module = Files.createDirectories(dir.resolve("python/plrd_torch"));
        Files.writeString(module.resolve("__init__.py"), "");
        Files.writeString(module.resolve("__main__.py"), STAND_IN);
        previousPath = System.setProperty("plrd.python.path", dir.resolve("python").toString());
        model = dir.resolve("model");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), model, 3);
        data = CountingTokens.write(dir.resolve("counting.bin"), 4_096, MicroModel.VOCAB, 2);
    }

    @AfterEach
    void restore() {
        if (previousPath == null) {
            System.clearProperty("plrd.python.path");
        } else {
            System.setProperty("plrd.python.path", previousPath);
        }
    }

    /** What Kubeflow Trainer's torch plugin sets on the node of index node of 2, 2 processes per node. */
    private static Map<String, String> trainer(int node) {
        return Map.of("PET_NNODES", "2", "PET_NPROC_PER_NODE", "2", "PET_NODE_RANK", String.valueOf(node),
                "PET_MASTER_ADDR", "family-train-node-0-0.family-train", "PET_MASTER_PORT", "29500");
    }

    private int train(Map<String, String> environment, Path from, Object... more) {
        List<Object> args = new ArrayList<>(List.of("train", "--from", from, "--to",
                dir.resolve("member"), "--state", dir.resolve("state"), "--data", data, "--tokens", "128", "--seq-len",
                16, "--micro-batch", 2, "--global-batch-tokens", 128, "--result", dir.resolve("result.json"),
                "--report", dir.resolve("report.json")));
        args.addAll(List.of(more));
        return PlrdCommand.commandLine(environment).execute(args.stream().map(String::valueOf).toArray(String[]::new));
    }

    private JsonNode read(String name) throws IOException {
        return JSON.readTree(dir.resolve(name).toFile());
    }

    @Test
    void eachLocalRankGetsItsGlobalPlaceAndANodeOtherThanZeroSaysWhichItIs() throws Exception {
        assertThat(train(trainer(1), model, "--engine", "torch", "--nproc", 2, "--nodes", 2)).isZero();
        for (int local = 0; local < 2; local++) {
            JsonNode rank = read("state/rank-" + local + ".json");
            assertThat(rank.get("RANK").asText()).as("global rank = node x ranks per node + local rank")
                    .isEqualTo(String.valueOf(2 + local));
            assertThat(rank.get("LOCAL_RANK").asText()).isEqualTo(String.valueOf(local));
            assertThat(rank.get("WORLD_SIZE").asText()).isEqualTo("4");
            assertThat(rank.get("LOCAL_WORLD_SIZE").asText()).isEqualTo("2");
            assertThat(rank.get("GROUP_RANK").asText()).isEqualTo("1");
            assertThat(rank.get("MASTER_ADDR").asText()).isEqualTo("family-train-node-0-0.family-train");
            assertThat(rank.get("MASTER_PORT").asText()).isEqualTo("29500");
        }
        JsonNode result = read("result.json");
        assertThat(result.get("node").asInt()).isEqualTo(1);
        assertThat(result.get("nodes").asInt()).isEqualTo(2);
        assertThat(result.get("uri").asText()).isEqualTo("/workspace/member");
        assertThat(result.get("tokens").asLong()).isEqualTo(128);
        assertThat(dir.resolve("report.json")).as("the stage's report in the shared workspace is node 0's")
                .doesNotExist();
    }

    @Test
    void nodeZerosResultIsTheStagesAndGoesToTheReport() throws Exception {
        Map<String, String> environment = new HashMap<>(trainer(0));
        // a TrainJob that leaves numProcPerNode to the runtime says auto: --nproc decides
        environment.put("PET_NPROC_PER_NODE", "auto");
        assertThat(train(environment, model, "--engine", "torch", "--nproc", 2, "--nodes", 2)).isZero();
        assertThat(read("state/rank-1.json").get("RANK").asText()).isEqualTo("1");
        JsonNode result = read("result.json");
        assertThat(result.has("node")).isFalse();
        assertThat(result.get("loss").asDouble()).isEqualTo(2.5);
        assertThat(read("report.json")).isEqualTo(result);
    }

    @Test
    void aFailureNamesTheNodeAndTheGlobalRank() throws Exception {
        assertThat(train(trainer(1), model, "--engine", "torch", "--nproc", 2, "--nodes", 2, "--seed", 13))
                .isEqualTo(WorkerContract.EXIT_FAILED);
        assertThat(read("result.json").get("error").asText()).endsWith("the torch engine (plrd_torch train (rank 3"
                + " of 4)) exited with 1: node 1 of 2: plrd_torch train (rank 3 of 4) exited with 1 and wrote no result");
    }

    static Stream<Arguments> refusedEnvironments() {
        return Stream.of(
                Arguments.of(without("PET_NODE_RANK"), 2, "PET_NODE_RANK is missing: with --nodes 2 the launcher"
                        + " (Kubeflow Trainer's torch runtime) must set it to this node's index"),
                Arguments.of(with("PET_NODE_RANK", "2"), 2, "PET_NODE_RANK is '2': expected this node's index, 0 to 1"
                        + " (with --nodes 2)"),
                Arguments.of(with("PET_MASTER_ADDR", " "), 2, "PET_MASTER_ADDR is empty: with --nodes 2 the launcher"
                        + " (Kubeflow Trainer's torch runtime) must set it to the host name of node 0, where global"
                        + " rank 0 listens"),
                Arguments.of(without("PET_MASTER_PORT"), 2, "PET_MASTER_PORT is missing"),
                Arguments.of(with("PET_MASTER_PORT", "70000"), 2, "PET_MASTER_PORT is '70000': expected the port of"
                        + " the rendezvous on node 0, 1 to 65535"),
                Arguments.of(with("PET_NNODES", "3"), 2, "PET_NNODES is 3, but --nodes is 2: expected the launcher"
                        + " (Kubeflow Trainer's torch runtime) to set it to 2"),
                Arguments.of(with("PET_NPROC_PER_NODE", "8"), 2, "PET_NPROC_PER_NODE is 8, but --nproc is 2"),
                Arguments.of(trainer(1), 0, "--nodes 0: expected 1 or more nodes"));
    }

    @ParameterizedTest
    @MethodSource("refusedEnvironments")
    void aMissingOrInconsistentEnvironmentIsRefusedBeforeAnyWork(Map<String, String> environment, int nodes,
            String expected) throws Exception {
        // --from names no checkpoint: the environment is checked before any input is read, and no rank starts
        Path missing = dir.resolve("no-such-model");
        assertThat(train(environment, missing, "--engine", "torch", "--nproc", 2, "--nodes", nodes))
                .isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        JsonNode result = read("result.json");
        assertThat(result.get("reason").asText()).isEqualTo("InvalidInput");
        assertThat(result.get("error").asText()).startsWith(expected);
        assertThat(dir.resolve("state")).doesNotExist();
    }

    @Test
    void severalNodesOnlyOnTheTorchEngine() throws Exception {
        assertThat(train(trainer(0), dir.resolve("no-such-model"), "--nodes", 2, "--engine", "djl"))
                .isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(read("result.json").get("error").asText()).isEqualTo("--nodes 2: expected 1 or more nodes, and"
                + " more than 1 only with --engine torch (the DJL engine computes in this process)");
    }

    private static Map<String, String> with(String variable, String value) {
        Map<String, String> environment = new HashMap<>(trainer(1));
        environment.put(variable, value);
        return environment;
    }

    private static Map<String, String> without(String variable) {
        Map<String, String> environment = new HashMap<>(trainer(1));
        environment.remove(variable);
        return environment;
    }
}
