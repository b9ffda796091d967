package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A config.json that does not describe its files is refused before anything of its size is built. */
class CheckpointAgainstConfigTest {
    @TempDir
    Path dir;

    private Path tiny() throws IOException {
        return CheckpointTest.writeTiny(dir.resolve("tiny"), TinyModels.tiny(), DType.F32, Long.MAX_VALUE);
    }

    private static void setLayers(Path checkpoint, String layers) throws IOException {
        Path config = checkpoint.resolve(ModelConfig.FILE_NAME);
        Files.writeString(config, Files.readString(config).replace("\"num_hidden_layers\" : 2", "\"num_hidden_layers\" : " + layers));
    }

    @Test
    void aBillionLayersOverATwoLayerFileIsRefusedAtOnceNamingTheField() throws IOException {
        Path checkpoint = tiny();
        setLayers(checkpoint, "1000000000");
        // before the count check, listing the config's 9e9 tensors ran out of memory
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                        .hasMessage(checkpoint.resolve("config.json") + ": num_hidden_layers 1000000000 needs "
                                + "9000000003 tensors, but model.safetensors holds 21"));
    }

    @Test
    void plrdRanksOfAHugeConfigAreCheckedWithoutListingEveryModule() {
        String config = TinyModels.TINY_LLAMA.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1000000000")
                .replace("\"bos_token_id\": 1", "\"plrd\": {\"ranks\": {\"model.layers.999999999.mlp.up_proj\": 2}}");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThat(ModelConfig.parse(config).plrd().rank("model.layers.999999999.mlp.up_proj")).hasValue(2));
        assertThatThrownBy(() -> ModelConfig.parse(config.replace("999999999", "1000000000")))
                .hasMessageContaining("plrd.ranks names 'model.layers.1000000000.mlp.up_proj', which is not a linear");
        assertThatThrownBy(() -> ModelConfig.parse(config.replace("999999999", "01")))
                .hasMessageContaining("plrd.ranks names 'model.layers.01.mlp.up_proj', which is not a linear");
    }

    @Test
    void tensorsBeyondTheConfigAreRefusedNamingTheFileAndTheFirstOne() throws IOException {
        Path checkpoint = tiny();
        setLayers(checkpoint, "1");
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(checkpoint.resolve("model.safetensors") + ": holds tensor "
                        + "'model.layers.1.input_layernorm.weight' (and 8 more) that config.json does not account for");
    }

    @Test
    void aShardedCheckpointNamesTheShardHoldingTheUnexpectedTensor() throws IOException {
        Path checkpoint = CheckpointTest.writeTiny(dir.resolve("sharded"), TinyModels.tiny(), DType.F32, 400);
        setLayers(checkpoint, "1");
        String message = org.assertj.core.api.Assertions.catchThrowable(() -> Checkpoint.open(checkpoint)).getMessage();
        assertThat(message).matches("\\Q" + checkpoint + "\\E/model-\\d{5}-of-\\d{5}\\.safetensors: holds tensor "
                + "'model\\.layers\\.1\\.input_layernorm\\.weight' .*");
    }

    @Test
    void nonPositiveNormEpsilonAndRopeThetaAreRefusedNamingTheField() {
        assertThatThrownBy(() -> ModelConfig.parse(TinyModels.TINY_LLAMA.replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": -1")))
                .hasMessage("config.json: rms_norm_eps must be a finite number above zero, got -1");
        assertThatThrownBy(() -> ModelConfig.parse(TinyModels.TINY_LLAMA.replace("\"bos_token_id\": 1", "\"rope_theta\": 0")))
                .hasMessage("config.json: rope_theta must be a finite number above zero, got 0");
        assertThatThrownBy(() -> ModelConfig.parse(TinyModels.TINY_LLAMA.replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 0.0")))
                .hasMessage("config.json: rms_norm_eps must be a finite number above zero, got 0.0");
    }
}
