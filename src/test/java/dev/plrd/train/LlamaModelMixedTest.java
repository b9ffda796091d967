package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.plrd.model.DType;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MIXED (float16 matmuls over float32 masters) against FLOAT32 on the same weights. PyTorch's CPU kernels run
 * float16 matmuls too, so this needs no GPU.
 * <p>
 * Errors are measured relative to the largest value of the tensor compared, as {@link TestArrays} explains. float16
 * rounds to 2^-11 (about 5e-4) relative, and every matmul rounds its input, its weights and its output; two
 * decoder layers of seven matmuls each, the attention's softmax, the head and, for gradients, the backward pass's
 * own float16 roundings compound that. 1e-2, some twenty float16 roundings, leaves room for that growth (measured:
 * about 1e-3 on the logits, at most 3e-3 on any parameter's gradient), while a matmul left in float32 or a cast
 * that cut the graph shows clearly: the first stays below {@link #FLOAT32_ROUNDING}, the second leaves a gradient of
 * zero, an error of 1.
 */
class LlamaModelMixedTest {
    private static final double TOLERANCE = 1e-2;
    /** What float32 alone gets wrong (see LlamaModelForwardTest); MIXED must differ by more, or it ran in float32. */
    private static final double FLOAT32_ROUNDING = 1e-5;
    private static final long[][] INPUTS = TestCheckpoints.tokens(2, 6, 50, 5);
    private static final long[][] TARGETS = TestCheckpoints.tokens(2, 6, 50, 6);

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

    /** Dense and factored projections both, with grouped-query attention, so every kind of cast is exercised. */
    private Path checkpoint(ModelConfig config, String name) throws IOException {
        Path path = dir.resolve(name);
        TestCheckpoints.write(TestCheckpoints.lowRank(config, Map.of(Projection.K, 3, Projection.UP, 5)), path, 17,
                DType.F32);
        return path;
    }

    private float[] logits(Path checkpoint, ComputePrecision precision) throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), precision);
                NDScope scope = new NDScope()) {
            NDArray logits = model.logits(TestArrays.tokens(manager, INPUTS));
            assertThat(logits.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(logits.getShape().getShape()).containsExactly(2, 6, 50);
            return logits.toFloatArray();
        }
    }

    /** The parameters' gradients after one backward pass of the loss, checked to be float32 like their masters. */
    private Map<String, float[]> gradients(Path checkpoint, ComputePrecision precision, boolean collectGarbage)
            throws IOException, InterruptedException {
        try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), precision);
                NDScope scope = new NDScope()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.loss(TestArrays.tokens(manager, INPUTS), TestArrays.tokens(manager, TARGETS));
                assertThat(loss.getDataType()).isEqualTo(DataType.FLOAT32);
                assertThat(loss.getShape().dimension()).isZero();
                if (collectGarbage) {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                        Thread.sleep(20); // the cleaner frees unreachable direct buffers on its own thread
                    }
                }
                collector.backward(loss);
            }
            Map<String, float[]> gradients = new HashMap<>();
            for (NamedParameter p : model.parameters()) {
                assertThat(p.value().getDataType()).as(p.name()).isEqualTo(DataType.FLOAT32);
                NDArray gradient = p.value().getGradient();
                assertThat(gradient.getDataType()).as(p.name()).isEqualTo(DataType.FLOAT32);
                assertThat(gradient.getShape()).as(p.name()).isEqualTo(p.value().getShape());
                gradients.put(p.name(), gradient.toFloatArray());
            }
            return gradients;
        }
    }

    /** max |actual - expected| / max |expected|. */
    private static double relativeError(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double maxError = 0;
        double maxExpected = 0;
        for (int i = 0; i < expected.length; i++) {
            maxError = Math.max(maxError, Math.abs(actual[i] - expected[i]));
            maxExpected = Math.max(maxExpected, Math.abs(expected[i]));
        }
        assertThat(maxExpected).as("something to compare").isPositive();
        return maxError / maxExpected;
    }

    @Test
    void mixedLoadsFloat32MastersThatRequireGradients() throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint(TestCheckpoints.small(), "model"), Device.cpu(),
                ComputePrecision.MIXED)) {
            assertThat(model.precision()).isEqualTo(ComputePrecision.MIXED);
            assertThat(model.parameters()).allSatisfy(p -> {
                assertThat(p.value().getDataType()).as(p.name()).isEqualTo(DataType.FLOAT32);
                assertThat(p.value().hasGradient()).as(p.name()).isTrue();
            });
        }
    }

    @Test
    void mixedLogitsAreTheFloat32LogitsToFloat16Precision() throws IOException {
        for (ModelConfig config : new ModelConfig[] {TestCheckpoints.small(), TestCheckpoints.tied()}) {
            Path path = checkpoint(config, config.tieWordEmbeddings() ? "tied" : "untied");
            double error = relativeError(logits(path, ComputePrecision.MIXED), logits(path, ComputePrecision.FLOAT32));
            assertThat(error).as("tied: " + config.tieWordEmbeddings()).isLessThan(TOLERANCE)
                    .isGreaterThan(FLOAT32_ROUNDING);
        }
    }

    @Test
    void mixedGradientsAreFloat32AndCloseToTheFloat32Ones() throws IOException, InterruptedException {
        Path path = checkpoint(TestCheckpoints.small(), "model");
        Map<String, float[]> mixed = gradients(path, ComputePrecision.MIXED, false);
        Map<String, float[]> float32 = gradients(path, ComputePrecision.FLOAT32, false);
        assertThat(mixed.keySet()).isEqualTo(float32.keySet());
        for (String name : float32.keySet()) {
            assertThat(relativeError(mixed.get(name), float32.get(name))).as(name).isLessThan(TOLERANCE)
                    .isGreaterThan(FLOAT32_ROUNDING);
        }
    }

    /** The float16 copies and the casts' zeros belong to the step's scope like every other array of the forward. */
    @Test
    void aScopeAroundAMixedStepFreesEverythingButTheModel() throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint(TestCheckpoints.small(), "model"), Device.cpu(),
                ComputePrecision.MIXED)) {
            for (int step = 0; step < 2; step++) {
                try (NDScope scope = new NDScope();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(model.loss(TestArrays.tokens(manager, INPUTS), TestArrays.tokens(manager, TARGETS)));
                }
                // the parameters; cos, sin and the mask; eps and the attention scale
                assertThat(model.manager().getManagedArrays().size() + manager.getManagedArrays().size())
                        .isEqualTo(model.parameters().size() + 5);
            }
        }
    }

    /**
     * The casts add ops to the graph between forward and backward; none may keep a Java buffer that the garbage
     * collector frees in between (LlamaModelTrainingTest has the same check for FLOAT32).
     */
    @Test
    void mixedGradientsSurviveAGarbageCollectionBetweenForwardAndBackward() throws IOException, InterruptedException {
        Path path = checkpoint(TestCheckpoints.small(), "model");
        Map<String, float[]> undisturbed = gradients(path, ComputePrecision.MIXED, false);
        Map<String, float[]> collected = gradients(path, ComputePrecision.MIXED, true);
        for (String name : undisturbed.keySet()) {
            assertThat(collected.get(name)).as(name).containsExactly(undisturbed.get(name));
        }
    }
}
