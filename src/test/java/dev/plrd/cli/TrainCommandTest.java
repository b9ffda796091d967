package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.model.Checkpoint;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd train` through its command line: the result JSON, resuming, and input refused before any training. */
class TrainCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path model;
    Path data;

    @BeforeEach
    void setUp() throws IOException {
        model = dir.resolve("model");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), model, 3);
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        data = CountingTokens.write(dir.resolve("counting.bin"), 40_000, 96, 2);
    }

    private Plrd.Run train(Object... extra) {
        return train(data, extra);
    }

    private Plrd.Run train(Path dataset, Object... extra) {
        Object[] base = {"train", "--from", model, "--to", dir.resolve("trained"), "--state", dir.resolve("state"),
                "--data", dataset, "--seq-len", "16", "--micro-batch", "4", "--global-batch-tokens", "128", "--lr", "3e-3",
                "--warmup", "2", "--checkpoint-every", "512", "--result", dir.resolve("result.json")};
        Object[] all = new Object[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return Plrd.run(all);
    }

    private JsonNode result() throws IOException {
        return JSON.readTree(dir.resolve("result.json").toFile());
    }

    @Test
    void trainsTheBudgetAndWritesTheCheckpointAndTheResult() throws IOException {
        Plrd.Run r = train("--tokens", "1280");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("train 10/10 loss").contains("state saved at step 4");
        JsonNode result = result();
        assertThat(result.get("tokens").asLong()).isEqualTo(1280);
        assertThat(result.get("loss").asDouble()).isBetween(0.1, 4.6);
        assertThat(result.get("tokensPerSecond").asDouble()).isPositive();
        assertThat(result.get("uri").asText()).isEqualTo(dir.resolve("trained").toAbsolutePath().toString());
        try (Checkpoint trained = Checkpoint.open(dir.resolve("trained"))) {
            assertThat(trained.config().toJson()).isEqualTo(ModelConfig.parse(MicroModel.CONFIG).toJson());
        }
        assertThat(dir.resolve("trained").resolve("tokenizer.json")).exists();
    }

    @Test
    void aRetryAfterTheLastStepResumesToTheSameCheckpoint() throws IOException {
        assertThat(train("--tokens", "1280").code()).isZero();
        byte[] first = Files.readAllBytes(dir.resolve("trained").resolve(Checkpoint.SINGLE_FILE));
        double loss = result().get("loss").asDouble();

        Plrd.Run again = train("--tokens", "1280", "--resume");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).contains("resumed at step 10");
        assertThat(Files.readAllBytes(dir.resolve("trained").resolve(Checkpoint.SINGLE_FILE))).isEqualTo(first);
        assertThat(result().get("loss").asDouble()).isEqualTo(loss);
    }

    @Test
    void jsonLinesLogOneObjectPerStep() {
        Plrd.Run r = train("--tokens", "256", "--log-format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err().lines().filter(l -> l.startsWith("{\"step\":"))).hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("\"loss\":").contains("\"lr\":").contains("\"tokensPerSecond\":"));
    }

    @Test
    void badInputIsRefusedBeforeAnyTrainingAndLeavesNothing() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.bin"));
        ByteBuffer big = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 100; i++) {
            big.putShort((short) (i == 50 ? 300 : i % 96));
        }
        Path tooBig = Files.write(dir.resolve("vocab.bin"), big.array());

        assertRefused(train(dir.resolve("absent.bin"), "--tokens", "1280"), "absent.bin");
        assertRefused(train(empty, "--tokens", "1280"), "empty.bin");
        assertRefused(train(tooBig, "--tokens", "1280"), "300");
        assertRefused(train("--tokens", "100"), "--tokens 100 is smaller than one optimizer step of 128 tokens");
        assertRefused(train("--tokens", "lots"), "lots");
        assertRefused(train("--tokens", "1280", "--precision", "bfloat16"), "bfloat16");
        assertRefused(Plrd.run("train", "--from", dir.resolve("nothing"), "--to", dir.resolve("trained"), "--data", data,
                "--tokens", "1280", "--result", dir.resolve("result.json")), "no such checkpoint directory");
    }

    private void assertRefused(Plrd.Run r, String message) throws IOException {
        assertThat(r.code()).as(r.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(r.err()).contains(message);
        assertThat(result().get("reason").asText()).isEqualTo("InvalidInput");
        assertThat(result().get("error").asText()).contains(message);
        assertThat(dir.resolve("trained")).doesNotExist();
        assertThat(dir.resolve("state")).doesNotExist();
    }
}
