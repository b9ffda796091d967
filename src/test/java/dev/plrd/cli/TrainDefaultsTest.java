package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

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

/** `plrd train` sizes its windows from the model, and a budget too small for a step names the flags that fix it. */
class TrainDefaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path model;
    Path data;

    @BeforeEach
    void setUp() throws IOException {
        model = dir.resolve("model");
        // max_position_embeddings 128
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), model, 3);
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        data = CountingTokens.write(dir.resolve("counting.bin"), 40_000, 96, 2);
    }

    private Plrd.Run train(Object... flags) {
        Object[] base = {"train", "--from", model, "--to", dir.resolve("trained"), "--state", dir.resolve("state"),
                "--data", data, "--micro-batch", "4", "--warmup", "0", "--result", dir.resolve("result.json")};
        Object[] all = new Object[base.length + flags.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(flags, 0, all, base.length, flags.length);
        return Plrd.run(all);
    }

    private void assertRefused(Plrd.Run r, String message) throws IOException {
        assertThat(r.code()).as(r.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(r.err()).contains("error: " + message);
        assertThat(JSON.readTree(dir.resolve("result.json").toFile()).get("error").asText()).isEqualTo(message);
        assertThat(dir.resolve("trained")).doesNotExist();
        assertThat(dir.resolve("state")).doesNotExist();
    }

    @Test
    void withoutSeqLenTheWindowIsTheModelsContext() {
        Plrd.Run r = train("--tokens", "512", "--global-batch-tokens", "512");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("train: 1 steps of 512 tokens (1 x 4 x 128)");
    }

    @Test
    void aSeqLenBeyondTheContextIsRefusedNamingTheOptionAndTheConfigField() throws IOException {
        assertRefused(train("--tokens", "4096", "--seq-len", "256"), "--seq-len 256 is longer than the model's context,"
                + " max_position_embeddings 128 in " + model.resolve("config.json") + "; expected at most 128");
    }

    @Test
    void aBudgetBelowOneStepNamesTheFlagsToChangeWithTheirFigures() throws IOException {
        // the step accumulates micro-batches: only a smaller global batch makes it smaller
        assertRefused(train("--tokens", "100", "--seq-len", "16", "--global-batch-tokens", "128"),
                "--tokens 100 is smaller than one optimizer step of 128 tokens (2 micro-batches of 4 x 16): raise"
                        + " --tokens to at least 128, or lower --global-batch-tokens 128 to at most the budget");
        // the step is one micro-batch: only a smaller micro-batch makes it smaller
        assertRefused(train("--tokens", "40", "--seq-len", "16", "--global-batch-tokens", "16"),
                "--tokens 40 is smaller than one optimizer step of 64 tokens (1 micro-batch of 4 x 16): raise"
                        + " --tokens to at least 64, or lower --micro-batch 4 or --seq-len 16 (one micro-batch is the"
                        + " smallest step, whatever --global-batch-tokens)");
    }
}
