package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd evaluate` on a split smaller than --tokens says how many tokens it measured, on stderr and in its result. */
class EvaluateShortfallTest {
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
        data = CountingTokens.write(dir.resolve("small.bin"), 1_100, 96, 2);
    }

    private Plrd.Run evaluate(String tokens, Object... extra) {
        Object[] base = {"evaluate", "--model", child, "--data", data, "--split", "all", "--tokens", tokens,
                "--seq-len", "32", "--result", dir.resolve("result.json")};
        Object[] all = new Object[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return Plrd.run(all);
    }

    private JsonNode result() throws IOException {
        return JSON.readTree(dir.resolve("result.json").toFile());
    }

    @Test
    void fewerTokensThanAskedAreReported() throws IOException {
        Plrd.Run r = evaluate("1M");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode result = result();
        long measured = result.get("tokens").asLong();
        assertThat(measured).isBetween(1_000L, 1_100L);
        assertThat(r.err()).contains(String.format("evaluate: measured %,d tokens, fewer than the 1,000,000 of --tokens"
                + " 1M: all that --split all holds in windows of 32", measured));
        assertThat(result.get("evaluation").asText())
                .isEqualTo(data + " split=all tokens=1000000 seed=0 seq=32 measured=" + measured);
    }

    @Test
    void asManyTokensAsAskedAddNothing() throws IOException {
        Plrd.Run r = evaluate("512");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("fewer than");
        assertThat(result().get("evaluation").asText()).isEqualTo(data + " split=all tokens=512 seed=0 seq=32");
    }

    @Test
    void aParentReportOfAShortSplitIsStillReused() throws IOException {
        Path parentReport = dir.resolve("parent.evaluate.json");
        assertThat(evaluate("1M", "--parent", parent, "--parent-report", parentReport).code()).isZero();
        assertThat(JSON.readTree(parentReport.toFile()).get("evaluation").asText()).contains(" measured=");
        Plrd.Run again = evaluate("1M", "--parent", parent, "--parent-report", parentReport);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).contains("parent perplexity from " + parentReport);
    }
}
