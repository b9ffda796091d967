package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.plrd.model.DType;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import dev.plrd.plan.ParameterCount;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Logits and loss against {@link ReferenceLlama}, and factored layers against dense ones. */
class LlamaModelForwardTest {
    /** float32 rounding over a few dozen products per dot is ~1e-6 of the largest logit; see TestArrays. */
    private static final double TOLERANCE = 1e-4;
    private static final long[][] TOKENS = TestCheckpoints.tokens(2, 7, 50, 3);

    @TempDir
    Path dir;
    private NDManager manager;

    @BeforeEach
    void createManager() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    private Path checkpoint(ModelConfig config, String name) throws IOException {
        Path path = dir.resolve(name);
        TestCheckpoints.write(config, path, 11, DType.F32);
        return path;
    }

    private double errorAgainstReference(Path checkpoint, ReferenceLlama reference) throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), ComputePrecision.FLOAT32);
                NDScope scope = new NDScope()) {
            NDArray logits = model.logits(TestArrays.tokens(manager, TOKENS));
            assertThat(logits.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(logits.getShape().getShape()).containsExactly(2, 7, 50);
            return TestArrays.relativeError(logits, reference.logits(TOKENS));
        }
    }

    @Test
    void logitsMatchTheReferenceWithGroupedQueryAttention() throws IOException {
        Path path = checkpoint(TestCheckpoints.small(), "untied");
        assertThat(errorAgainstReference(path, ReferenceLlama.of(path))).isLessThan(TOLERANCE);
    }

    @Test
    void tiedEmbeddingsServeAsTheHead() throws IOException {
        Path path = checkpoint(TestCheckpoints.tied(), "tied");
        assertThat(errorAgainstReference(path, ReferenceLlama.of(path))).isLessThan(TOLERANCE);
    }

    @Test
    void mistralAttendsWithinItsSlidingWindowOnly() throws IOException {
        Path path = checkpoint(TestCheckpoints.mistral(3), "mistral");
        assertThat(errorAgainstReference(path, ReferenceLlama.of(path, 3))).isLessThan(TOLERANCE);
        assertThat(errorAgainstReference(path, ReferenceLlama.of(path))).as("the window changes the logits").isGreaterThan(0.01);
    }

    @Test
    void aPrefixGetsTheLogitsItHasInsideTheLongerSequence() throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint(TestCheckpoints.small(), "m"), Device.cpu(), ComputePrecision.FLOAT32);
                NDScope scope = new NDScope()) {
            NDArray tokens = TestArrays.tokens(manager, TOKENS);
            NDArray full = model.logits(tokens);
            NDArray prefix = model.logits(tokens.get(new NDIndex(":, 0:4")));
            assertThat(prefix.toFloatArray()).containsExactly(full.get(new NDIndex(":, 0:4")).toFloatArray(),
                    offset(1e-5f));
        }
    }

    @Test
    void fullRankFactorsGiveTheDenseLogits() throws IOException {
        Path dense = checkpoint(TestCheckpoints.small(), "dense");
        Path factored = dir.resolve("factored");
        TestCheckpoints.factorFullRank(dense, factored);
        try (LlamaModel denseModel = LlamaModel.load(dense, Device.cpu(), ComputePrecision.FLOAT32);
                LlamaModel factoredModel = LlamaModel.load(factored, Device.cpu(), ComputePrecision.FLOAT32);
                NDScope scope = new NDScope()) {
            assertThat(factoredModel.parameters()).anyMatch(p -> p.name().equals("model.layers.1.mlp.down_proj.A.weight"))
                    .noneMatch(p -> p.name().equals("model.layers.1.mlp.down_proj.weight"));
            NDArray tokens = TestArrays.tokens(manager, TOKENS);
            double[][][] expected = ReferenceLlama.of(dense).logits(TOKENS);
            assertThat(TestArrays.relativeError(denseModel.logits(tokens), expected)).isLessThan(TOLERANCE);
            assertThat(TestArrays.relativeError(factoredModel.logits(tokens), expected)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void aLowRankCheckpointComputesABx() throws IOException {
        ModelConfig config = TestCheckpoints.lowRank(TestCheckpoints.small(),
                Map.of(Projection.Q, 3, Projection.K, 4, Projection.O, 5, Projection.GATE, 6, Projection.DOWN, 7));
        Path path = checkpoint(config, "low-rank");
        try (LlamaModel model = LlamaModel.load(path, Device.cpu(), ComputePrecision.FLOAT32)) {
            assertThat(model.parameterCount()).isEqualTo(ParameterCount.of(config))
                    .isLessThan(ParameterCount.of(TestCheckpoints.small()));
            assertThat(model.parameters()).extracting(NamedParameter::name)
                    .contains("model.layers.0.self_attn.q_proj.A.weight", "model.layers.0.self_attn.q_proj.B.weight",
                            "model.layers.0.self_attn.v_proj.weight")
                    .doesNotContain("model.layers.0.self_attn.q_proj.weight");
        }
        assertThat(errorAgainstReference(path, ReferenceLlama.of(path))).isLessThan(TOLERANCE);
    }

    @Test
    void lossIsTheMeanNegativeLogLikelihoodOfTheTargets() throws IOException {
        long[][] targets = TestCheckpoints.tokens(2, 7, 50, 4);
        Path path = checkpoint(TestCheckpoints.small(), "m");
        try (LlamaModel model = LlamaModel.load(path, Device.cpu(), ComputePrecision.FLOAT32);
                NDScope scope = new NDScope()) {
            NDArray inputs = TestArrays.tokens(manager, TOKENS);
            NDArray loss = model.loss(inputs, TestArrays.tokens(manager, targets));
            assertThat(loss.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(loss.getShape().dimension()).isZero();

            float[] logits = model.logits(inputs).toFloatArray();
            double sum = 0;
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 7; t++) {
                    double[] row = new double[50];
                    for (int v = 0; v < 50; v++) {
                        row[v] = logits[(b * 7 + t) * 50 + v];
                    }
                    sum += ReferenceLlama.logSumExp(row) - row[(int) targets[b][t]];
                }
            }
            assertThat((double) loss.getFloat()).isCloseTo(sum / 14, offset(1e-5 * sum / 14));
            assertThat((double) loss.getFloat()).isCloseTo(ReferenceLlama.of(path).loss(TOKENS, targets),
                    offset(1e-4 * sum / 14));
        }
    }
}
