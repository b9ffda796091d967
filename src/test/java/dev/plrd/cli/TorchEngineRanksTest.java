package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.api.StageOutputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How TorchEngine starts, waits for and judges N local ranks, with a stand-in plrd_torch whose ranks do what the test
 * tells each of them (plain python3, no torch): rank 0's result is the stage's, a permanent exit code of any rank wins
 * over an earlier failure, and ranks left waiting after a failure are stopped.
 */
class TorchEngineRanksTest {
    /** Argument "--do" R=ACTION,...: ok, exit:CODE[:MESSAGE] (after a tenth of a second per rank), or hang. */
    private static final String STAND_IN = """
            import json, os, sys, time
            args = sys.argv[2:]
            rank = int(os.environ.get("RANK", "0"))
            action = dict(a.split("=", 1) for a in args[args.index("--do") + 1].split(","))[str(rank)]
            result = args[args.index("--result") + 1]
            if action == "hang":
                time.sleep(600)
            if action == "ok":
                described = "rank=%s local=%s world=%s local_world=%s addr=%s port=%s omp=%s" % tuple(
                    os.environ.get(k) for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE",
                                                "MASTER_ADDR", "MASTER_PORT", "OMP_NUM_THREADS"))
                json.dump({"uri": described, "tokens": 100 + rank}, open(result, "w"))
                sys.exit(0)
            _, code, *message = action.split(":")
            time.sleep(0.1 * rank)
            if message:
                json.dump({"error": message[0], "reason": "Failed"}, open(result, "w"))
            sys.exit(int(code))
            """;

    @TempDir
    Path dir;
    private String previousPath;

    @BeforeEach
    void standIn() throws IOException {
        Path module = Files.createDirectories(dir.resolve("plrd_torch"));
        Files.writeString(module.resolve("__init__.py"), "");
        Files.writeString(module.resolve("__main__.py"), STAND_IN);
        previousPath = System.setProperty(TorchEngine.PYTHON_PATH_PROPERTY, dir.toString());
    }

    @AfterEach
    void restore() {
        if (previousPath == null) {
            System.clearProperty(TorchEngine.PYTHON_PATH_PROPERTY);
        } else {
            System.setProperty(TorchEngine.PYTHON_PATH_PROPERTY, previousPath);
        }
    }

    private static StageOutputs run(int ranks, String actions) throws Exception {
        return TorchEngine.run("train", List.of("--do", actions), ranks, Map.of(), Duration.ofSeconds(5));
    }

    @Test
    void eachRankGetsWhatTorchrunWouldGiveItAndRankZerosResultIsTheStages() throws Exception {
        StageOutputs out = run(3, "0=ok,1=ok,2=ok");
        assertThat(out.tokens).isEqualTo(100);
        assertThat(out.uri).matches("rank=0 local=0 world=3 local_world=3 addr=127\\.0\\.0\\.1 port=[1-9][0-9]* omp=1");

        out = run(1, "0=ok");
        assertThat(out.uri).as("one rank is one plain process").startsWith("rank=None local=None world=None");
    }

    @Test
    void aPermanentCodeOfAnyRankWinsOverAnEarlierFailure() {
        assertThatThrownBy(() -> run(2, "0=exit:1,1=exit:10:perplexity 9.1 is above 1.5 x the parent's"))
                .isInstanceOf(StageCommand.GateFailed.class).hasMessage("perplexity 9.1 is above 1.5 x the parent's");
        assertThatThrownBy(() -> run(2, "0=exit:2:no token shards in data,1=exit:2"))
                .isInstanceOf(StageCommand.InvalidInput.class).hasMessage("no token shards in data");
    }

    @Test
    void theFirstFailureDecidesAndTheRanksLeftWaitingAreStopped() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> run(3, "0=hang,1=exit:1,2=exit:3"))
                .isInstanceOf(IOException.class)
                .hasMessage("the torch engine (plrd_torch train (rank 1 of 3)) exited with 1: plrd_torch train"
                        + " (rank 1 of 3) exited with 1 and wrote no result");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("stopped after the settling time, not left to hang")
                .isBetween(TorchEngine.SETTLE, TorchEngine.SETTLE.plusSeconds(20));
    }

    @Test
    void djlTakesOneRankOnly() {
        assertThatThrownBy(() -> TorchEngine.Kind.of("djl", 2)).isInstanceOf(StageCommand.InvalidInput.class)
                .hasMessage("--nproc 2: expected 1 or more local ranks (one per GPU), and more than 1 only with --engine"
                        + " torch");
        assertThatThrownBy(() -> TorchEngine.Kind.of("torch", 0)).isInstanceOf(StageCommand.InvalidInput.class);
    }
}
