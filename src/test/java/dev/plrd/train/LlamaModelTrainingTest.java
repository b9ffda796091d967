package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.plrd.model.DType;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a trainer relies on: gradients on the parameters, their accumulation, and memory that NDScope frees. */
class LlamaModelTrainingTest {
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

    /** Dense and factored projections both, so that gradients through A and B are checked too. */
    private Path checkpoint() throws IOException {
        ModelConfig config = TestCheckpoints.lowRank(TestCheckpoints.small(), Map.of(Projection.K, 3, Projection.UP, 5));
        Path path = dir.resolve("model");
        TestCheckpoints.write(config, path, 17, DType.F32);
        return path;
    }

    /** One step as a trainer runs it: the forward inside the collector, since DJL records a graph only there. */
    private void backward(LlamaModel model) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(model.loss(TestArrays.tokens(manager, INPUTS), TestArrays.tokens(manager, TARGETS)));
        }
    }

    private static Map<String, float[]> gradients(LlamaModel model) {
        Map<String, float[]> gradients = new HashMap<>();
        for (NamedParameter p : model.parameters()) {
            NDArray gradient = p.value().getGradient();
            assertThat(gradient.getDataType()).as(p.name()).isEqualTo(DataType.FLOAT32);
            assertThat(gradient.getShape()).as(p.name()).isEqualTo(p.value().getShape());
            gradients.put(p.name(), gradient.toFloatArray());
        }
        return gradients;
    }

    @Test
    void parametersAreFloat32MastersInLayoutOrderThatRequireGradients() throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint(), Device.cpu(), ComputePrecision.FLOAT32)) {
            assertThat(model.parameters()).extracting(NamedParameter::name).containsExactlyElementsOf(
                    LlamaLayout.expected(model.config(), DType.F32).stream().map(t -> t.name()).toList());
            assertThat(model.parameters()).allSatisfy(p -> {
                assertThat(p.value().getDataType()).isEqualTo(DataType.FLOAT32);
                assertThat(p.value().hasGradient()).as(p.name()).isTrue();
            });
            assertThat(model.precision()).isEqualTo(ComputePrecision.FLOAT32);
            assertThat(model.device()).isEqualTo(Device.cpu());
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesOfTheReferenceLoss() throws IOException {
        Path path = checkpoint();
        ReferenceLlama reference = ReferenceLlama.of(path);
        try (LlamaModel model = LlamaModel.load(path, Device.cpu(), ComputePrecision.FLOAT32);
                NDScope scope = new NDScope()) {
            backward(model);
            Map<String, float[]> gradients = gradients(model);
            for (NamedParameter p : model.parameters()) {
                float[] gradient = gradients.get(p.name());
                double scale = 0;
                int largest = 0;
                for (int i = 0; i < gradient.length; i++) {
                    if (Math.abs(gradient[i]) > scale) {
                        scale = Math.abs(gradient[i]);
                        largest = i;
                    }
                }
                assertThat(scale).as("some gradient of " + p.name()).isPositive();
                for (int i : new int[] {largest, Math.floorMod(p.name().hashCode(), gradient.length)}) {
                    double[] w = reference.weights.get(p.name());
                    double original = w[i];
                    double h = 1e-4;
                    w[i] = original + h;
                    double up = reference.loss(INPUTS, TARGETS);
                    w[i] = original - h;
                    double down = reference.loss(INPUTS, TARGETS);
                    w[i] = original;
                    // float32 backward against a double central difference: agreement to 1e-4 of the tensor's largest gradient
                    assertThat((double) gradient[i]).as(p.name() + "[" + i + "]")
                            .isCloseTo((up - down) / (2 * h), offset(1e-4 * scale));
                }
            }
        }
    }

    @Test
    void gradientsAccumulateAcrossBackwardPassesUntilZeroed() throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint(), Device.cpu(), ComputePrecision.FLOAT32);
                NDScope scope = new NDScope()) {
            backward(model);
            Map<String, float[]> once = gradients(model);
            backward(model);
            Map<String, float[]> twice = gradients(model);
            for (NamedParameter p : model.parameters()) {
                float[] expected = once.get(p.name()).clone();
                for (int i = 0; i < expected.length; i++) {
                    expected[i] *= 2;
                }
                assertThat(twice.get(p.name())).as(p.name()).containsExactly(expected, offset(1e-6f));
            }
            for (NamedParameter p : model.parameters()) {
                NDArray gradient = p.value().getGradient();
                gradient.subi(gradient);
            }
            backward(model);
            assertThat(gradients(model).get(LlamaLayout.FINAL_NORM)).containsExactly(once.get(LlamaLayout.FINAL_NORM),
                    offset(1e-7f));
        }
    }

    /**
     * DJL frees the Java buffer behind a scalar operand (x.mul(2f)) right after the op, while autograd may keep the
     * scalar for the backward pass; once the garbage collector has run, such a gradient reads freed memory.
     */
    @Test
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward() throws IOException, InterruptedException {
        try (LlamaModel model = LlamaModel.load(checkpoint(), Device.cpu(), ComputePrecision.FLOAT32);
                NDScope scope = new NDScope()) {
            backward(model);
            Map<String, float[]> undisturbed = gradients(model);
            for (NamedParameter p : model.parameters()) {
                NDArray gradient = p.value().getGradient();
                gradient.subi(gradient);
            }
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.loss(TestArrays.tokens(manager, INPUTS), TestArrays.tokens(manager, TARGETS));
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(20); // the cleaner frees unreachable direct buffers on its own thread
                }
                collector.backward(loss);
            }
            Map<String, float[]> collected = gradients(model);
            for (NamedParameter p : model.parameters()) {
                assertThat(collected.get(p.name())).as(p.name()).containsExactly(undisturbed.get(p.name()));
            }
        }
    }

    @Test
    void aScopeAroundEachStepFreesEverythingButTheModel() throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint(), Device.cpu(), ComputePrecision.FLOAT32)) {
            List<Integer> live = new ArrayList<>();
            for (int step = 0; step < 4; step++) {
                try (NDScope scope = new NDScope()) {
                    backward(model);
                    gradients(model);
                    assertThat(model.manager().getManagedArrays().size() + manager.getManagedArrays().size())
                            .as("inside the step").isGreaterThan(2 * model.parameters().size());
                }
                live.add(model.manager().getManagedArrays().size() + manager.getManagedArrays().size());
            }
            // the parameters; cos, sin and the mask; eps and the attention scale
            assertThat(live).containsOnly(model.parameters().size() + 5);
            assertThat(model.parameters()).allSatisfy(p -> assertThat(p.value().isReleased()).isFalse());
        }
    }

    @Test
    void theModelOutlivesTheScopeItWasLoadedInAndCachesOutliveTheirs() throws IOException {
        LlamaModel model;
        try (NDScope scope = new NDScope()) {
            model = LlamaModel.load(checkpoint(), Device.cpu(), ComputePrecision.FLOAT32);
        }
        try (model) {
            float[] first;
            try (NDScope scope = new NDScope()) {
                first = model.logits(TestArrays.tokens(manager, INPUTS)).toFloatArray();
            }
            try (NDScope scope = new NDScope()) {
                long[][] shorter = {Arrays.copyOf(INPUTS[0], 3)};
                assertThat(model.logits(TestArrays.tokens(manager, shorter)).getShape().getShape()).containsExactly(1, 3, 50);
                assertThat(model.logits(TestArrays.tokens(manager, INPUTS)).toFloatArray()).containsExactly(first);
            }
            try (NDScope scope = new NDScope()) {
                long[][] longer = TestCheckpoints.tokens(1, 9, 50, 8);
                assertThat(model.logits(TestArrays.tokens(manager, longer)).getShape().getShape()).containsExactly(1, 9, 50);
            }
        }
    }
}
