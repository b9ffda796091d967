package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd evaluate`: held-out perplexity, the parent's perplexity (reused or measured), and the gate. */
class EvaluateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path child;
    Path parent;
    Path data;

    @BeforeEach
    void setUp() throws IOException {
        child = dir.resolve("child");
        parent = dir.resolve("parent");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), child, 3);
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), parent, 4);
        data = CountingTokens.write(dir.resolve("counting.bin"), 80_000, 96, 2);
    }

    private Plrd.Run evaluate(Object... extra) {
        Object[] base = {"evaluate", "--model", child, "--data", data, "--tokens", "512", "--seq-len", "32",
                "--result", dir.resolve("result.json")};
        Object[] all = new Object[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return Plrd.run(all);
    }

    private JsonNode json(String file) throws IOException {
        return JSON.readTree(dir.resolve(file).toFile());
    }

    @Test
    void reportsHeldOutPerplexityOverTheRequestedTokens() throws IOException {
        Plrd.Run r = evaluate();
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode result = json("result.json");
        assertThat(result.get("tokens").asLong()).isEqualTo(512);
        // a random model is close to uniform over 96 ids
        assertThat(result.get("perplexity").asDouble()).isBetween(80.0, 115.0);
        assertThat(Math.exp(result.get("loss").asDouble())).isCloseTo(result.get("perplexity").asDouble(),
                org.assertj.core.api.Assertions.within(0.05));
        assertThat(result.get("evaluation").asText()).isEqualTo(data + " split=held-out tokens=512 seed=0 seq=32");

        assertThat(evaluate().code()).isZero();
        assertThat(json("result.json").get("perplexity")).isEqualTo(result.get("perplexity"));
    }

    @Test
    void theParentIsMeasuredOnceAndItsReportReused() throws IOException {
        Path parentReport = dir.resolve("base").resolve("evaluate.json");
        Plrd.Run first = evaluate("--parent", parent, "--parent-report", parentReport);
        assertThat(first.code()).as(first.err()).isZero();
        double parentPerplexity = json("result.json").get("parentPerplexity").asDouble();
        assertThat(JSON.readTree(parentReport.toFile()).get("perplexity").asDouble()).isEqualTo(parentPerplexity);

        Plrd.Run second = evaluate("--parent", parent, "--parent-report", parentReport);
        assertThat(second.err()).contains("parent perplexity from " + parentReport);
        assertThat(json("result.json").get("parentPerplexity").asDouble()).isEqualTo(parentPerplexity);

        Plrd.Run otherTokens = evaluate("--parent", parent, "--parent-report", parentReport, "--tokens", "256");
        assertThat(otherTokens.err()).doesNotContain("parent perplexity from");
    }

    @Test
    void aMemberWorseThanTheGateAllowsFailsWithExitThree() throws IOException {
        Plrd.Run r = evaluate("--parent", child, "--max-perplexity-ratio", "1.0");
        assertThat(r.code()).as(r.err()).isZero();

        Plrd.Run refused = Plrd.run("evaluate", "--model", child, "--data", data, "--tokens", "512", "--seq-len", "32",
                "--parent", parent, "--max-perplexity-ratio", "0.5", "--result", dir.resolve("result.json"));
        assertThat(refused.code()).isEqualTo(WorkerContract.EXIT_GATE_FAILED);
        JsonNode result = json("result.json");
        assertThat(result.get("reason").asText()).isEqualTo("EvaluationGateFailed");
        assertThat(result.get("error").asText()).contains("above evaluation.maxPerplexityRatio 0.5");
    }

    @Test
    void badInputExitsTwoNamingTheFlag() {
        assertThat(evaluate("--max-perplexity-ratio", "2").err()).contains("--max-perplexity-ratio needs --parent");
        Plrd.Run split = evaluate("--split", "sideways");
        assertThat(split.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(split.err()).contains("sideways");
        Plrd.Run missing = Plrd.run("evaluate", "--model", dir.resolve("none"), "--data", data);
        assertThat(missing.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(missing.err()).contains("--model").contains("no such checkpoint directory");
        assertThat(Files.exists(dir.resolve("none"))).isFalse();
    }
}
