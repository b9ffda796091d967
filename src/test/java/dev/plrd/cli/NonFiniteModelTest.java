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

/**
 * A model that computes NaN or infinity fails its stage for good, with its own exit code and a message
 * naming the model, instead of passing the gate with "loss 0.0, perplexity 0.0" (NaN compares false with
 * every limit, and rounding turned it into 0).
 */
class NonFiniteModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String Q_PROJ = "model.layers.0.self_attn.q_proj.weight";

    @TempDir
    Path dir;
    Path good;
    Path data;

    @BeforeEach
    void setUp() throws IOException {
        good = dir.resolve("good");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), good, 3);
        data = CountingTokens.write(dir.resolve("counting.bin"), 40_000, MicroModel.VOCAB, 2);
    }

    private Plrd.Run evaluate(Path model, Object... extra) {
        Object[] base = {"evaluate", "--model", model, "--data", data, "--tokens", "256", "--seq-len", "32",
                "--result", dir.resolve("result.json")};
        Object[] all = new Object[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return Plrd.run(all);
    }

    private JsonNode result() throws IOException {
        return JSON.readTree(dir.resolve("result.json").toFile());
    }

    private void assertNonFinite(Plrd.Run run, Path model) throws IOException {
        assertThat(run.code()).as(run.err()).isEqualTo(WorkerContract.EXIT_NON_FINITE);
        assertThat(WorkerContract.PERMANENT_EXIT_CODES).contains(run.code());
        JsonNode result = result();
        assertThat(result.get("reason").asText()).isEqualTo("NonFiniteLoss");
        assertThat(result.get("error").asText()).startsWith(model.toString()).contains("non-finite loss");
        assertThat(result.has("perplexity")).isFalse();
    }

    @Test
    void oneNanWeightFailsEvaluationWithItsOwnCode() throws IOException {
        Path broken = BrokenModels.withTensorFilled(good, dir.resolve("nan"), Q_PROJ, Float.NaN);
        assertNonFinite(evaluate(broken), broken);
    }

    @Test
    void infiniteAndOverflowingWeightsFailEvaluationToo() throws IOException {
        Path infinite = BrokenModels.withTensorFilled(good, dir.resolve("inf"), Q_PROJ, Float.POSITIVE_INFINITY);
        assertNonFinite(evaluate(infinite), infinite);
        Path huge = BrokenModels.withTensorFilled(good, dir.resolve("huge"), "model.layers.0.mlp.up_proj.weight", 3e38f);
        assertNonFinite(evaluate(huge), huge);
    }

    @Test
    void aGateCannotBePassedWithANanPerplexity() throws IOException {
        Path broken = BrokenModels.withTensorFilled(good, dir.resolve("nan"), Q_PROJ, Float.NaN);
        assertNonFinite(evaluate(broken, "--parent", good, "--max-perplexity-ratio", "1.5"), broken);
    }

    @Test
    void aBrokenParentIsNamedAndItsReportIsNotKept() throws IOException {
        Path broken = BrokenModels.withTensorFilled(good, dir.resolve("nan"), Q_PROJ, Float.NaN);
        Path parentReport = dir.resolve("base").resolve("evaluate.json");
        assertNonFinite(evaluate(good, "--parent", broken, "--parent-report", parentReport), broken);
        assertThat(parentReport).doesNotExist();
    }

    @Test
    void aNegativeNormEpsilonOrZeroRopeThetaIsInvalidInputNamingTheField() throws IOException {
        BrokenModels.editConfig(good, "\"rms_norm_eps\" : 1.0E-5", "\"rms_norm_eps\" : -1");
        Plrd.Run eps = evaluate(good);
        assertThat(eps.code()).as(eps.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(result().get("error").asText())
                .isEqualTo(good.resolve("config.json") + ": rms_norm_eps must be a finite number above zero, got -1");

        BrokenModels.editConfig(good, "\"rms_norm_eps\" : -1", "\"rms_norm_eps\" : 1.0E-5, \"rope_theta\" : 0");
        Plrd.Run theta = evaluate(good);
        assertThat(theta.code()).as(theta.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(result().get("error").asText()).contains("rope_theta must be a finite number above zero, got 0");
    }

    @Test
    void trainingANanModelFailsWithTheNonFiniteCodeNamingTheModel() throws IOException {
        Path broken = BrokenModels.withTensorFilled(good, dir.resolve("nan"), Q_PROJ, Float.NaN);
        Plrd.Run run = Plrd.run("train", "--from", broken, "--to", dir.resolve("trained"), "--data", data,
                "--tokens", "256", "--seq-len", "16", "--micro-batch", "4", "--global-batch-tokens", "64",
                "--precision", "float32", "--state", dir.resolve("state"), "--result", dir.resolve("result.json"));
        assertThat(run.code()).as(run.err()).isEqualTo(WorkerContract.EXIT_NON_FINITE);
        assertThat(result().get("reason").asText()).isEqualTo("NonFiniteLoss");
        assertThat(result().get("error").asText()).startsWith(broken.toString()).contains("the loss is not finite");
        assertThat(dir.resolve("trained")).doesNotExist();
    }

    @Test
    void decomposingANanWeightNamesTheFileAndTheTensor() throws IOException {
        Path broken = BrokenModels.withTensorFilled(good, dir.resolve("nan"), Q_PROJ, Float.NaN);
        Plrd.Run run = Plrd.run("decompose", "--from", broken, "--to", dir.resolve("member"), "--rank-fraction", "0.5",
                "--result", dir.resolve("result.json"));
        assertThat(run.code()).as(run.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(result().get("error").asText()).isEqualTo(broken.resolve("model.safetensors") + ": tensor '"
                + Q_PROJ + "' holds NaN at element 0: a checkpoint with NaN or infinite weights cannot be decomposed");
        assertThat(Files.exists(dir.resolve("member"))).isFalse();
    }
}
