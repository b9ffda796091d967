package dev.plrd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.plrd.model.Checkpoint;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.DType;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import dev.plrd.model.RemoteCode;
import dev.plrd.model.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading what a checkpoint holds, refusing what it lacks, and saving it back as it was. */
class LlamaModelCheckpointTest {
    @TempDir
    Path dir;

    private Path checkpoint(ModelConfig config, DType dtype) throws IOException {
        Path path = dir.resolve("model");
        TestCheckpoints.write(config, path, 23, dtype);
        return path;
    }

    private static void assertSameParameters(LlamaModel expected, LlamaModel actual) {
        assertThat(actual.parameters()).hasSameSizeAs(expected.parameters());
        for (int i = 0; i < expected.parameters().size(); i++) {
            NamedParameter e = expected.parameters().get(i);
            NamedParameter a = actual.parameters().get(i);
            assertThat(a.name()).isEqualTo(e.name());
            assertThat(a.value().getShape()).isEqualTo(e.value().getShape());
            assertThat(a.value().toFloatArray()).as(a.name()).containsExactly(e.value().toFloatArray());
        }
    }

    @Test
    void saveThenLoadGivesTheSameModelConfigAndTokenizer() throws IOException {
        ModelConfig config = TestCheckpoints.lowRank(TestCheckpoints.small(), Map.of(Projection.V, 2, Projection.DOWN, 9));
        Path source = checkpoint(config, DType.F32);
        Files.writeString(source.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}}");
        Path saved = dir.resolve("saved");
        try (LlamaModel model = LlamaModel.load(source, Device.cpu(), ComputePrecision.FLOAT32)) {
            model.save(saved, source);
            try (LlamaModel reloaded = LlamaModel.load(saved, Device.cpu(), ComputePrecision.FLOAT32)) {
                assertSameParameters(model, reloaded);
                assertThat(reloaded.config().plrd()).isEqualTo(config.plrd());
            }
        }
        assertThat(saved.resolve("tokenizer.json")).hasSameTextualContentAs(source.resolve("tokenizer.json"));
        // the same config, with the auto_map to the model code that a factored checkpoint carries
        assertThat(ModelConfig.read(saved.resolve(ModelConfig.FILE_NAME)).toJson())
                .isEqualTo(RemoteCode.config(config).toJson());
        assertThat(saved.resolve(RemoteCode.FILE)).exists();
    }

    @Test
    void aBfloat16CheckpointLoadsExactlyAndSavesAsBfloat16() throws IOException {
        Path source = checkpoint(TestCheckpoints.small(), DType.BF16);
        Path saved = dir.resolve("saved");
        try (LlamaModel model = LlamaModel.load(source, Device.cpu(), ComputePrecision.FLOAT32)) {
            model.save(saved, null);
        }
        try (Checkpoint original = Checkpoint.open(source); Checkpoint copy = Checkpoint.open(saved)) {
            assertThat(copy.tensors()).extracting(TensorInfo::dtype).containsOnly(DType.BF16);
            for (TensorInfo info : original.tensors()) {
                assertThat(copy.read(info.name()).data()).as(info.name()).containsExactly(original.read(info.name()).data());
            }
        }
        assertThat(saved.resolve("tokenizer.json")).doesNotExist();
    }

    @Test
    void aMissingTensorIsNamed() throws IOException {
        Path path = checkpoint(TestCheckpoints.small(), DType.F32);
        // the config now says q_proj of layer 0 is factored, but the file holds it dense
        Files.writeString(path.resolve(ModelConfig.FILE_NAME),
                TestCheckpoints.lowRank(TestCheckpoints.small(), Map.of(Projection.Q, 4)).toJson());
        assertThatThrownBy(() -> LlamaModel.load(path, Device.cpu(), ComputePrecision.FLOAT32))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("missing tensor model.layers.0.self_attn.q_proj.A.weight");
    }

    @Test
    void aTensorOfTheWrongShapeIsNamed() throws IOException {
        Path path = checkpoint(TestCheckpoints.small(), DType.F32);
        Files.writeString(path.resolve(ModelConfig.FILE_NAME), TestCheckpoints.SMALL.replace("\"intermediate_size\": 64", "\"intermediate_size\": 48"));
        assertThatThrownBy(() -> LlamaModel.load(path, Device.cpu(), ComputePrecision.FLOAT32))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor model.layers.0.mlp.gate_proj.weight has shape [64, 32], the config expects [48, 32]");
    }

    @Test
    void configFieldsThatWouldChangeTheLogitsAreRefusedUnlessImplemented() throws IOException {
        Path path = checkpoint(TestCheckpoints.small(), DType.F32);
        for (String field : new String[] {"\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}",
                "\"attention_bias\": true", "\"mlp_bias\": true", "\"hidden_act\": \"gelu\""}) {
            Files.writeString(path.resolve(ModelConfig.FILE_NAME), TestCheckpoints.SMALL.replace("{", "{" + field + ", "));
            assertThatThrownBy(() -> LlamaModel.load(path, Device.cpu(), ComputePrecision.FLOAT32)).as(field)
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining(field.substring(1, field.indexOf('"', 1)));
        }
        Files.writeString(path.resolve(ModelConfig.FILE_NAME),
                TestCheckpoints.SMALL.replace("{", "{\"rope_scaling\": null, \"hidden_act\": \"silu\", \"attention_bias\": false, "));
        LlamaModel.load(path, Device.cpu(), ComputePrecision.FLOAT32).close();
    }

    @Test
    void tokensMustBeInt64BatchesOfSequences() throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint(TestCheckpoints.small(), DType.F32), Device.cpu(), ComputePrecision.FLOAT32);
                NDManager manager = NDManager.newBaseManager(Device.cpu());
                NDScope scope = new NDScope()) {
            assertThatThrownBy(() -> model.logits(manager.create(new int[] {1, 2, 3}, new Shape(1, 3))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INT64").hasMessageContaining("int32");
            assertThatThrownBy(() -> model.logits(manager.create(new long[] {1, 2, 3})))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[batch, length]");
            assertThatThrownBy(() -> model.loss(manager.create(new long[] {1, 2, 3}, new Shape(1, 3)),
                    manager.create(new long[] {1, 2}, new Shape(1, 2))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not match");
            assertThat(model.logits(manager.create(new long[] {1, 2, 3}, new Shape(1, 3))).getDataType()).isEqualTo(DataType.FLOAT32);
        }
    }
}
