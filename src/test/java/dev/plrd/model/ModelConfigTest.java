package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelConfigTest {
    /** config.json of mistralai/Mistral-7B-v0.1, from memory. */
    static final String MISTRAL_7B = """
            {
              "architectures": [
                "MistralForCausalLM"
              ],
              "bos_token_id": 1,
              "eos_token_id": 2,
              "hidden_act": "silu",
              "hidden_size": 4096,
              "initializer_range": 0.02,
              "intermediate_size": 14336,
              "max_position_embeddings": 32768,
              "model_type": "mistral",
              "num_attention_heads": 32,
              "num_hidden_layers": 32,
              "num_key_value_heads": 8,
              "rms_norm_eps": 1e-05,
              "rope_theta": 10000.0,
              "sliding_window": 4096,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.34.0.dev0",
              "use_cache": true,
              "vocab_size": 32000
            }
            """;

    /** config.json of meta-llama/Llama-2-7b-hf, from memory: no rope_theta, so the default applies. */
    static final String LLAMA_2_7B = """
            {
              "architectures": [
                "LlamaForCausalLM"
              ],
              "bos_token_id": 1,
              "eos_token_id": 2,
              "hidden_act": "silu",
              "hidden_size": 4096,
              "initializer_range": 0.02,
              "intermediate_size": 11008,
              "max_position_embeddings": 4096,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 32,
              "num_key_value_heads": 32,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": null,
              "tie_word_embeddings": false,
              "torch_dtype": "float16",
              "transformers_version": "4.31.0.dev0",
              "use_cache": true,
              "vocab_size": 32000
            }
            """;

    private static final String MINIMAL = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 96,
             "num_hidden_layers": 3, "num_attention_heads": 4, "vocab_size": 100}
            """;

    @TempDir
    Path dir;

    @Test
    void mistral7b() throws IOException {
        ModelConfig config = ModelConfig.read(Files.writeString(dir.resolve("config.json"), MISTRAL_7B));
        assertThat(config.architecture()).isEqualTo("MistralForCausalLM");
        assertThat(config.hiddenSize()).isEqualTo(4096);
        assertThat(config.intermediateSize()).isEqualTo(14336);
        assertThat(config.numHiddenLayers()).isEqualTo(32);
        assertThat(config.numAttentionHeads()).isEqualTo(32);
        assertThat(config.numKeyValueHeads()).isEqualTo(8);
        assertThat(config.headDim()).isEqualTo(128);
        assertThat(config.vocabSize()).isEqualTo(32000);
        assertThat(config.ropeTheta()).isEqualTo(10000.0);
        assertThat(config.rmsNormEps()).isEqualTo(1e-5);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(32768);
        assertThat(config.tieWordEmbeddings()).isFalse();
        assertThat(config.torchDtype()).contains("bfloat16");
        assertThat(config.plrd()).isEqualTo(PlrdSection.NONE);
    }

    @Test
    void llama2_7b() throws IOException {
        ModelConfig config = ModelConfig.read(Files.writeString(dir.resolve("config.json"), LLAMA_2_7B));
        assertThat(config.architecture()).isEqualTo("LlamaForCausalLM");
        assertThat(config.intermediateSize()).isEqualTo(11008);
        assertThat(config.numKeyValueHeads()).isEqualTo(32);
        assertThat(config.ropeTheta()).isEqualTo(10000.0);
        assertThat(config.rmsNormEps()).isEqualTo(1e-5);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(4096);
        assertThat(config.torchDtype()).contains("float16");
    }

    @Test
    void defaults() throws IOException {
        ModelConfig config = ModelConfig.parse(MINIMAL);
        assertThat(config.numKeyValueHeads()).isEqualTo(4);
        assertThat(config.headDim()).isEqualTo(16);
        assertThat(config.tieWordEmbeddings()).isFalse();
        assertThat(config.ropeTheta()).isEqualTo(10000.0);
        assertThat(config.rmsNormEps()).isEqualTo(1e-6);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(2048);
        assertThat(config.torchDtype()).isEmpty();
    }

    @Test
    void nullMeansAbsentAndNewerFieldNamesAreRead() throws IOException {
        ModelConfig config = ModelConfig.parse(MINIMAL.replace("\"vocab_size\": 100",
                "\"vocab_size\": 100, \"num_key_value_heads\": null, \"head_dim\": 32, \"dtype\": \"bfloat16\", \"rope_theta\": 1000000.0"));
        assertThat(config.numKeyValueHeads()).isEqualTo(4);
        assertThat(config.headDim()).isEqualTo(32);
        assertThat(config.torchDtype()).contains("bfloat16");
        assertThat(config.ropeTheta()).isEqualTo(1e6);
    }

    @Test
    void unknownArchitectureIsRefusedNamingFileAndArchitecture() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), MISTRAL_7B.replace("MistralForCausalLM", "GPT2LMHeadModel"));
        assertThatThrownBy(() -> ModelConfig.read(file)).isInstanceOf(CheckpointException.class)
                .hasMessage(file + ": architecture 'GPT2LMHeadModel' is not supported (supported: LlamaForCausalLM, MistralForCausalLM)");
        Path none = Files.writeString(dir.resolve("none.json"), "{\"hidden_size\": 8}");
        assertThatThrownBy(() -> ModelConfig.read(none)).hasMessage(none + ": has no architectures list and no"
                + " model_type (expected architectures [LlamaForCausalLM|MistralForCausalLM] or model_type llama|mistral)");
    }

    /** transformers loads a config without architectures by its model_type; so does this reader, for the two it runs. */
    @ParameterizedTest
    @CsvSource({"llama, LlamaForCausalLM", "mistral, MistralForCausalLM"})
    void aConfigWithoutArchitecturesIsReadByItsModelType(String modelType, String architecture) throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(MISTRAL_7B);
        json.remove("architectures");
        json.put("model_type", modelType);
        ModelConfig config = ModelConfig.parse(json.toString());
        assertThat(config.architecture()).isEqualTo(architecture);
        assertThat(config.hiddenSize()).isEqualTo(4096);
        assertThat(config.toJson()).doesNotContain("architectures");
    }

    @Test
    void anUnsupportedModelTypeIsRefusedNamingTheFieldAndTheAcceptedValues() throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(MISTRAL_7B);
        json.remove("architectures");
        json.put("model_type", "gpt2");
        assertThatThrownBy(() -> ModelConfig.parse(json.toString())).isInstanceOf(CheckpointException.class)
                .hasMessage("config.json: has no architectures list and model_type 'gpt2' is not supported (expected"
                        + " architectures [LlamaForCausalLM|MistralForCausalLM] or model_type llama|mistral)");
        json.putArray("architectures");
        assertThatThrownBy(() -> ModelConfig.parse(json.toString()))
                .hasMessage("config.json: architectures must be a list naming the model class, got []");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size"})
    void missingRequiredFieldIsNamed(String field) throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(MISTRAL_7B);
        json.remove(field);
        Path file = Files.writeString(dir.resolve("config.json"), json.toString());
        assertThatThrownBy(() -> ModelConfig.read(file)).isInstanceOf(CheckpointException.class)
                .hasMessage(file + ": has no " + field);
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> ModelConfig.parse(MINIMAL.replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"")))
                .hasMessage("config.json: hidden_size must be a positive integer, got \"64\"");
        assertThatThrownBy(() -> ModelConfig.parse(MINIMAL.replace("\"vocab_size\": 100", "\"vocab_size\": 0")))
                .hasMessage("config.json: vocab_size must be a positive integer, got 0");
        assertThatThrownBy(() -> ModelConfig.parse(MINIMAL.replace("\"vocab_size\": 100", "\"vocab_size\": 100, \"tie_word_embeddings\": 1")))
                .hasMessage("config.json: tie_word_embeddings must be true or false, got 1");
        assertThatThrownBy(() -> ModelConfig.parse(MINIMAL.replace("\"vocab_size\": 100", "\"vocab_size\": 100, \"rope_theta\": \"big\"")))
                .hasMessage("config.json: rope_theta must be a finite number above zero, got \"big\"");
        assertThatThrownBy(() -> ModelConfig.parse(MINIMAL.replace("\"vocab_size\": 100", "\"vocab_size\": 100, \"num_key_value_heads\": 3")))
                .hasMessage("config.json: num_attention_heads 4 is not a multiple of num_key_value_heads 3");
        assertThatThrownBy(() -> ModelConfig.parse(MINIMAL.replace("\"hidden_size\": 64", "\"hidden_size\": 66")))
                .hasMessage("config.json: hidden_size 66 is not a multiple of num_attention_heads 4 and head_dim is not given");
        assertThatThrownBy(() -> ModelConfig.parse("[]")).hasMessage("config.json: is not a JSON object");
        assertThatThrownBy(() -> ModelConfig.parse("{\"a\": ")).hasMessageStartingWith("config.json: is not valid JSON");
    }

    @Test
    void writingKeepsEveryFieldItDoesNotModel() throws IOException {
        ModelConfig config = ModelConfig.parse(LLAMA_2_7B);
        Path file = dir.resolve("out").resolve("config.json");
        Files.createDirectories(file.getParent());
        config.write(file);
        JsonNode original = new ObjectMapper().readTree(LLAMA_2_7B);
        JsonNode written = new ObjectMapper().readTree(file.toFile());
        assertThat(written).isEqualTo(original);
        assertThat(written.get("rope_scaling").isNull()).isTrue();
        assertThat(written.get("pretraining_tp").asInt()).isEqualTo(1);
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left").containsExactly(file);
        }
    }

    @Test
    void plrdSectionRoundTrips() throws IOException {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        ranks.put("model.layers.3.self_attn.q_proj", 1024);
        ranks.put("model.layers.0.mlp.down_proj", 2048);
        PlrdSection section = new PlrdSection(ranks, Map.of("split", "sqrt", "parent", "mistral-5b"));
        ModelConfig factored = ModelConfig.parse(MISTRAL_7B).withPlrd(section);
        assertThat(factored.plrd()).isEqualTo(section);
        assertThat(factored.plrd().rank("model.layers.3.self_attn.q_proj")).hasValue(1024);
        assertThat(factored.plrd().rank("model.layers.3.self_attn.k_proj")).isEmpty();
        assertThat(factored.plrd().field("split")).contains("sqrt");

        Path file = dir.resolve("config.json");
        factored.write(file);
        ModelConfig reread = ModelConfig.read(file);
        assertThat(reread.plrd()).isEqualTo(section);
        assertThat(reread.plrd().ranks().keySet()).containsExactly("model.layers.3.self_attn.q_proj", "model.layers.0.mlp.down_proj");
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.get("plrd").get("ranks").get("model.layers.0.mlp.down_proj").asInt()).isEqualTo(2048);
        assertThat(json.get("sliding_window").asInt()).isEqualTo(4096);

        ModelConfig updated = reread.withPlrd(reread.plrd().withRanks(Map.of("model.layers.3.self_attn.q_proj", 512)).withField("parent", "m2"));
        assertThat(updated.plrd().ranks()).containsExactly(Map.entry("model.layers.3.self_attn.q_proj", 512));
        assertThat(updated.plrd().field("parent")).contains("m2");
        assertThat(reread.plrd().field("parent")).as("the original is unchanged").contains("mistral-5b");

        ModelConfig dense = updated.withPlrd(PlrdSection.NONE);
        assertThat(dense.toJson()).doesNotContain("plrd");
    }

    @Test
    void plrdRanksMustNameLinearsOfTheModel() throws IOException {
        ModelConfig config = ModelConfig.parse(MINIMAL);
        assertThatThrownBy(() -> config.withPlrd(new PlrdSection(Map.of("model.layers.3.self_attn.q_proj", 4), Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plrd.ranks names 'model.layers.3.self_attn.q_proj', which is not a linear of this 3-layer model");
        assertThatThrownBy(() -> config.withPlrd(new PlrdSection(Map.of("model.layers.0.self_attn.q", 4), Map.of())))
                .hasMessageContaining("'model.layers.0.self_attn.q'");
        assertThatThrownBy(() -> new PlrdSection(Map.of("model.layers.0.self_attn.q_proj", 0), Map.of()))
                .hasMessage("plrd rank of model.layers.0.self_attn.q_proj must be a positive integer, got 0");
        assertThatThrownBy(() -> new PlrdSection(Map.of(), Map.of("ranks", "x"))).hasMessageContaining("'ranks' is the rank map");
    }

    @Test
    void badPlrdSectionInAFileNamesTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), MINIMAL.replace("\"vocab_size\": 100",
                "\"vocab_size\": 100, \"plrd\": {\"ranks\": {\"model.layers.0.mlp.up_proj\": -2}}"));
        assertThatThrownBy(() -> ModelConfig.read(file)).isInstanceOf(CheckpointException.class)
                .hasMessage(file + ": plrd.ranks of model.layers.0.mlp.up_proj must be a positive integer, got -2");
        Files.writeString(file, MINIMAL.replace("\"vocab_size\": 100", "\"vocab_size\": 100, \"plrd\": {\"step\": 3}"));
        assertThatThrownBy(() -> ModelConfig.read(file)).hasMessage(file + ": plrd.step must be a string, got 3");
    }
}
