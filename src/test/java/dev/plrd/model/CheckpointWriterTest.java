package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointWriterTest {
    @TempDir
    Path dir;

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void singleFileWithConfigAndAuxiliaryFiles() throws IOException {
        Path parent = Files.createDirectory(dir.resolve("parent"));
        Files.writeString(parent.resolve("tokenizer.json"), "{\"tok\": 1}");
        Files.writeString(parent.resolve("generation_config.json"), "{}");
        Files.writeString(parent.resolve("unrelated.txt"), "not copied");
        ModelConfig config = TinyModels.tiny().withPlrd(new PlrdSection(Map.of("model.layers.1.mlp.up_proj", 2), Map.of("parent", "base")));
        List<TensorInfo> layout = LlamaLayout.expected(config, DType.F16);
        Path target = dir.resolve("member");
        try (CheckpointWriter writer = CheckpointWriter.create(target, config, layout)) {
            writer.copyAuxiliaryFiles(parent);
            for (Tensor tensor : TinyModels.tensorsFor(layout)) {
                writer.write(tensor);
            }
            writer.commit();
        }
        assertThat(names(target)).containsExactly("config.json", "generation_config.json", "model.safetensors",
                "modeling_plrd.py", "tokenizer.json");
        assertThat(target.resolve("tokenizer.json")).hasContent("{\"tok\": 1}");
        try (SafetensorsReader reader = SafetensorsReader.open(target.resolve("model.safetensors"))) {
            assertThat(reader.metadata()).containsEntry("format", "pt");
        }
        try (Checkpoint checkpoint = Checkpoint.open(target)) {
            assertThat(checkpoint.config().plrd()).isEqualTo(config.plrd());
            assertThat(checkpoint.tensors()).containsExactlyElementsOf(layout);
            assertThat(checkpoint.read("model.layers.1.mlp.up_proj.A.weight").shape()).containsExactly(12, 2);
        }
        assertThat(names(dir)).as("no temporary directory left").containsExactly("member", "parent");
    }

    @Test
    void shardsWhenTheLayoutExceedsTheMaximumShardSize() throws IOException {
        ModelConfig config = TinyModels.tiny();
        List<TensorInfo> layout = LlamaLayout.expected(config, DType.F32);
        long total = layout.stream().mapToLong(TensorInfo::byteSize).sum();
        Path target = CheckpointTest.writeTiny(dir.resolve("sharded"), config, DType.F32, 1000);

        List<String> files = names(target);
        List<String> shards = files.stream().filter(n -> n.startsWith("model-")).toList();
        int n = shards.size();
        assertThat(n).isGreaterThan(4);
        List<String> expectedShards = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            expectedShards.add(String.format("model-%05d-of-%05d.safetensors", i, n));
        }
        assertThat(shards).containsExactlyElementsOf(expectedShards);
        assertThat(files).contains("config.json", "model.safetensors.index.json").doesNotContain("model.safetensors");

        JsonNode index = new ObjectMapper().readTree(target.resolve("model.safetensors.index.json").toFile());
        assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(total);
        assertThat(index.get("weight_map").size()).isEqualTo(layout.size());
        assertThat(index.get("weight_map").get("model.embed_tokens.weight").asText()).isEqualTo(expectedShards.get(0));
        assertThat(index.get("weight_map").get("lm_head.weight").asText()).isEqualTo(expectedShards.get(n - 1));
        long dataBytes = 0;
        for (String shard : shards) {
            try (SafetensorsReader reader = SafetensorsReader.open(target.resolve(shard))) {
                long bytes = reader.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
                assertThat(bytes).as(shard).isLessThanOrEqualTo(1000);
                dataBytes += bytes;
                reader.tensors().forEach(t -> assertThat(index.get("weight_map").get(t.name()).asText()).isEqualTo(shard));
            }
        }
        assertThat(dataBytes).isEqualTo(total);
    }

    @Test
    void aTensorLargerThanTheShardSizeGetsAShardOfItsOwn() throws IOException {
        Path target = CheckpointTest.writeTiny(dir.resolve("c"), TinyModels.tiny(), DType.F32, 100);
        try (SafetensorsReader reader = SafetensorsReader.open(target.resolve(CheckpointTest.firstShard(target)))) {
            assertThat(reader.tensors()).extracting(TensorInfo::name).containsExactly("model.embed_tokens.weight");
        }
        try (Checkpoint checkpoint = Checkpoint.open(target)) {
            assertThat(checkpoint.tensors()).hasSize(21);
        }
    }

    @Test
    void closedWithoutCommitLeavesNothing() throws IOException {
        ModelConfig config = TinyModels.tiny();
        List<TensorInfo> layout = LlamaLayout.expected(config, DType.F32);
        Path target = dir.resolve("member");
        try (CheckpointWriter writer = CheckpointWriter.create(target, config, layout, 1000)) {
            List<Tensor> tensors = TinyModels.tensorsFor(layout);
            for (Tensor tensor : tensors.subList(0, 10)) {
                writer.write(tensor);
            }
            assertThat(target).doesNotExist();
            assertThat(names(dir)).singleElement().asString().startsWith(".member.tmp-");
            assertThatThrownBy(writer::commit).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the layout is not fully written; next is '" + layout.get(10).name() + "'");
        }
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void commitReplacesAnExistingTargetAndLeavesNoSiblings() throws IOException {
        Path target = Files.createDirectory(dir.resolve("member"));
        Files.writeString(target.resolve("stale.bin"), "from an earlier attempt");
        CheckpointTest.writeTiny(target, TinyModels.tiny(), DType.BF16, Long.MAX_VALUE);
        assertThat(names(target)).containsExactly("config.json", "model.safetensors");
        assertThat(names(dir)).containsExactly("member");
        try (Checkpoint checkpoint = Checkpoint.open(target)) {
            assertThat(checkpoint.tensors()).allMatch(t -> t.dtype() == DType.BF16);
        }
    }

    @Test
    void refusesALayoutThatDoesNotMatchTheConfigAndMisuse() throws IOException {
        ModelConfig config = TinyModels.tiny();
        List<TensorInfo> layout = LlamaLayout.expected(config, DType.F32);
        assertThatThrownBy(() -> CheckpointWriter.create(dir.resolve("m"), config, layout.subList(1, layout.size())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing tensor model.embed_tokens.weight of shape [10, 8]");
        assertThatThrownBy(() -> CheckpointWriter.create(dir.resolve("m"), config, layout, 0))
                .hasMessage("maximum shard size must be positive, got 0");
        assertThat(dir).isEmptyDirectory();

        try (CheckpointWriter writer = CheckpointWriter.create(dir.resolve("m"), config, layout)) {
            List<Tensor> tensors = TinyModels.tensorsFor(layout);
            assertThatThrownBy(() -> writer.write(tensors.get(1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected tensor 'model.embed_tokens.weight' next");
            for (Tensor tensor : tensors) {
                writer.write(tensor);
            }
            assertThatThrownBy(() -> writer.write(tensors.get(0))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'model.embed_tokens.weight' is extra");
            writer.commit();
            assertThatThrownBy(writer::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("already committed");
        }
        assertThat(names(dir)).containsExactly("m");
    }
}
