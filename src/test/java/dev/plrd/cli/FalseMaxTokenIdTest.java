package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * A dataset.json whose maxTokenId is false: the ids past the model's vocabulary are found in the windows
 * the stage reads, and the error names the shard, instead of train exiting 0 and evaluate failing with
 * PyTorch's "index out of range in self".
 */
class FalseMaxTokenIdTest {
    @TempDir
    Path dir;
    Path model;
    Path dataset;
    Path shard;

    @BeforeEach
    void setUp() throws IOException {
        model = dir.resolve("model");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), model, 3);
        dataset = Files.createDirectory(dir.resolve("dataset"));
        int tokens = 40_000;
        // ids up to 199, for a model of 96: tokenised for another vocabulary
        shard = CountingTokens.write(dataset.resolve("shard-00000.bin"), tokens, 200, 2);
        Files.writeString(dataset.resolve("dataset.json"), """
                {"format": "plrd-tokens/v1", "dtype": "uint16", "vocabSize": 96, "tokens": %d,
                 "shards": [{"file": "shard-00000.bin", "tokens": %d}], "maxTokenId": 95}
                """.formatted(tokens, tokens));
    }

    @Test
    void evaluateNamesTheShardHoldingAnIdPastTheVocabulary() {
        Plrd.Run run = Plrd.run("evaluate", "--model", model, "--data", dataset, "--tokens", "1024", "--seq-len", "32");
        assertThat(run.code()).as(run.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(run.err()).containsPattern("error: \\Q" + shard + "\\E: token id \\d+ at token \\d+ is not below the"
                + " model's vocabulary size 96");
    }

    @Test
    void trainRefusesItBeforeSavingAModel() {
        Plrd.Run run = Plrd.run("train", "--from", model, "--to", dir.resolve("trained"), "--data", dataset,
                "--tokens", "512", "--seq-len", "16", "--micro-batch", "4", "--global-batch-tokens", "64",
                "--state", dir.resolve("state"));
        assertThat(run.code()).as(run.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(run.err()).contains(shard + ": token id ").contains("states a false maxTokenId");
        assertThat(dir.resolve("trained")).doesNotExist();
    }
}
