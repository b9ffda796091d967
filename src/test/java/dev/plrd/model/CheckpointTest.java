package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    /** A checkpoint of the tiny model written through CheckpointWriter. */
    static Path writeTiny(Path target, ModelConfig config, DType dtype, long maxShardBytes) throws IOException {
        List<TensorInfo> layout = LlamaLayout.expected(config, dtype);
        try (CheckpointWriter writer = CheckpointWriter.create(target, config, layout, maxShardBytes)) {
            for (Tensor tensor : TinyModels.tensorsFor(layout)) {
                writer.write(tensor);
            }
            writer.commit();
        }
        return target;
    }

    /** Independent of the project's writers: config text and safetensors bytes assembled in the test, plus an extra tensor. */
    @Test
    void opensAHandWrittenSingleFileCheckpoint() throws IOException {
        Path checkpoint = Files.createDirectory(dir.resolve("hand"));
        Files.writeString(checkpoint.resolve("config.json"), TinyModels.TINY_LLAMA);
        List<TensorInfo> layout = new ArrayList<>(LlamaLayout.expected(TinyModels.tiny(), DType.F32));
        layout.add(new TensorInfo("model.layers.0.self_attn.rotary_emb.inv_freq", DType.F32, new long[] {2}));
        List<Tensor> tensors = TinyModels.tensorsFor(layout);
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        List<byte[]> data = new ArrayList<>();
        long offset = 0;
        for (Tensor tensor : tensors) {
            String shape = Arrays.toString(tensor.shape()).replace(" ", "");
            header.append(',').append(HandWrittenSafetensors.entry(tensor.name(), "F32", shape, offset, offset + 4L * tensor.data().length));
            offset += 4L * tensor.data().length;
            data.add(HandWrittenSafetensors.f32(tensor.data()));
        }
        HandWrittenSafetensors.write(checkpoint.resolve("model.safetensors"), header.append('}').toString(),
                HandWrittenSafetensors.concat(data.toArray(byte[][]::new)));

        try (Checkpoint opened = Checkpoint.open(checkpoint)) {
            assertThat(opened.directory()).isEqualTo(checkpoint);
            assertThat(opened.config().hiddenSize()).isEqualTo(8);
            assertThat(opened.tensors()).containsExactlyElementsOf(layout);
            for (Tensor tensor : tensors) {
                assertThat(opened.read(tensor.name()).data()).as(tensor.name()).containsExactly(tensor.data());
            }
            assertThat(opened.tensor("model.norm.weight")).contains(new TensorInfo("model.norm.weight", DType.F32, new long[] {8}));
            assertThat(opened.tensor("nope")).isEmpty();
            assertThatThrownBy(() -> opened.read("nope")).isInstanceOf(CheckpointException.class)
                    .hasMessage(checkpoint + ": holds no tensor 'nope'");
        }
    }

    @Test
    void opensShardsThroughTheIndex() throws IOException {
        Path checkpoint = writeTiny(dir.resolve("sharded"), TinyModels.tiny(), DType.BF16, 1000);
        assertThat(checkpoint.resolve(Checkpoint.INDEX)).exists();
        List<TensorInfo> layout = LlamaLayout.expected(TinyModels.tiny(), DType.BF16);
        try (Checkpoint opened = Checkpoint.open(checkpoint)) {
            assertThat(opened.tensors()).containsExactlyElementsOf(layout);
            for (Tensor tensor : TinyModels.tensorsFor(layout)) {
                Tensor read = opened.read(tensor.name());
                assertThat(read.dtype()).isEqualTo(DType.BF16);
                assertThat(read.data()).as(tensor.name()).containsExactly(tensor.data());
            }
        }
    }

    @Test
    void aSingleFileWinsOverAnIndexLikeInTransformers() throws IOException {
        Path checkpoint = writeTiny(dir.resolve("c"), TinyModels.tiny(), DType.F32, 1000);
        Path single = writeTiny(dir.resolve("single"), TinyModels.tiny(), DType.BF16, Long.MAX_VALUE);
        Files.move(single.resolve("model.safetensors"), checkpoint.resolve("model.safetensors"));
        try (Checkpoint opened = Checkpoint.open(checkpoint)) {
            assertThat(opened.tensors()).allMatch(t -> t.dtype() == DType.BF16);
        }
    }

    @Test
    void missingOrNonDirectory() throws IOException {
        Path absent = dir.resolve("absent");
        assertThatThrownBy(() -> Checkpoint.open(absent)).isInstanceOf(CheckpointException.class).hasMessage(absent + ": does not exist");
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> Checkpoint.open(file)).hasMessage(file + ": is not a directory");
    }

    @Test
    void noConfig() throws IOException {
        Path checkpoint = writeTiny(dir.resolve("c"), TinyModels.tiny(), DType.F32, Long.MAX_VALUE);
        Files.delete(checkpoint.resolve("config.json"));
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                .hasMessage(checkpoint + ": has no config.json");
    }

    @Test
    void noWeights() throws IOException {
        Path checkpoint = writeTiny(dir.resolve("c"), TinyModels.tiny(), DType.F32, Long.MAX_VALUE);
        Files.delete(checkpoint.resolve("model.safetensors"));
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                .hasMessage(checkpoint + ": has neither model.safetensors nor model.safetensors.index.json");
    }

    @Test
    void indexPointsAtAMissingShard() throws IOException {
        Path checkpoint = writeTiny(dir.resolve("c"), TinyModels.tiny(), DType.F32, 1000);
        Path shard = checkpoint.resolve(firstShard(checkpoint));
        Files.delete(shard);
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(checkpoint.resolve(Checkpoint.INDEX) + ": maps tensor 'model.embed_tokens.weight' to shard "
                        + shard.getFileName() + ", which does not exist");
    }

    @Test
    void shardLacksATensorTheIndexPromises() throws IOException {
        Path checkpoint = writeTiny(dir.resolve("c"), TinyModels.tiny(), DType.F32, 1000);
        Path index = checkpoint.resolve(Checkpoint.INDEX);
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(index.toFile());
        ((ObjectNode) json.get("weight_map")).put("model.layers.0.self_attn.rotary_emb.inv_freq", firstShard(checkpoint));
        Files.writeString(index, json.toString());
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                .hasMessage(checkpoint.resolve(firstShard(checkpoint)) + ": lacks tensor 'model.layers.0.self_attn.rotary_emb.inv_freq'"
                        + " that model.safetensors.index.json maps to it");
    }

    @Test
    void indexMayNotLeaveTheDirectory() throws IOException {
        Path checkpoint = writeTiny(dir.resolve("c"), TinyModels.tiny(), DType.F32, 1000);
        Path index = checkpoint.resolve(Checkpoint.INDEX);
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(index.toFile());
        ((ObjectNode) json.get("weight_map")).put("model.norm.weight", "../elsewhere.safetensors");
        Files.writeString(index, json.toString());
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                .hasMessage(index + ": maps tensor 'model.norm.weight' to \"../elsewhere.safetensors\", which is not a file name in the checkpoint directory");
        Files.writeString(index, "{\"metadata\": {}}");
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).hasMessage(index + ": has no weight_map object");
    }

    @Test
    void configRequiresATensorNoFileHolds() throws IOException {
        Path checkpoint = writeTiny(dir.resolve("c"), TinyModels.tinyTied(), DType.F32, Long.MAX_VALUE);
        Files.writeString(checkpoint.resolve("config.json"), TinyModels.TINY_LLAMA); // untied: wants lm_head.weight
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                .hasMessage(checkpoint.resolve("model.safetensors") + ": does not hold what config.json requires: "
                        + "missing tensor lm_head.weight of shape [10, 8]");
    }

    @Test
    void configRequiresOtherShapes() throws IOException {
        Path checkpoint = writeTiny(dir.resolve("c"), TinyModels.tiny(), DType.F32, 1000);
        Files.writeString(checkpoint.resolve("config.json"), TinyModels.TINY_LLAMA.replace("\"intermediate_size\": 12", "\"intermediate_size\": 16"));
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(checkpoint.resolve(Checkpoint.INDEX) + ": does not hold what config.json requires: "
                        + "tensor model.layers.0.mlp.gate_proj.weight has shape [12, 8], the config expects [16, 8]; ")
                .hasMessageEndingWith("; and 1 more");
    }

    static String firstShard(Path checkpoint) throws IOException {
        try (Stream<Path> files = Files.list(checkpoint)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("model-00001-of-")).findFirst().orElseThrow();
        }
    }
}
