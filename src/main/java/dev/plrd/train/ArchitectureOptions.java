package dev.plrd.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.ModelConfig;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * The config.json fields beyond {@link ModelConfig} that change what the forward computes. Mistral's sliding
 * window is honoured; what this model does not implement (rope scaling, biases, another activation) is refused,
 * because ignoring it would load without complaint and give logits that differ from transformers'.
 *
 * @param slidingWindow how many positions, the query's own included, a Mistral query may attend to
 */
record ArchitectureOptions(OptionalInt slidingWindow) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ArchitectureOptions of(ModelConfig config, Path configFile) throws CheckpointException {
        JsonNode json;
        try {
            json = JSON.readTree(config.toJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a config written by ModelConfig always parses", e);
        }
        JsonNode ropeScaling = json.path("rope_scaling");
        if (!ropeScaling.isMissingNode() && !ropeScaling.isNull()) {
            // transformers reads rope_type, or type in older configs
            String ropeType = text(ropeScaling.path("rope_type"), text(ropeScaling.path("type"), "default"));
            if (!ropeType.equals("default")) {
                throw new CheckpointException(configFile, "rope_scaling " + ropeScaling + " is not supported (only the default rotary embedding)");
            }
        }
        for (String bias : new String[] {"attention_bias", "mlp_bias"}) {
            if (json.path(bias).asBoolean(false)) {
                throw new CheckpointException(configFile, bias + " is true, but this model has no biases");
            }
        }
        String activation = text(json.path("hidden_act"), "silu");
        if (!activation.equals("silu")) {
            throw new CheckpointException(configFile, "hidden_act '" + activation + "' is not supported (only silu)");
        }
        // transformers' LlamaConfig has no sliding window: a Llama config that carries one still attends to everything
        JsonNode window = json.path("sliding_window");
        if (config.architecture().equals("MistralForCausalLM") && window.isIntegralNumber()) {
            if (window.intValue() < 1) {
                throw new CheckpointException(configFile, "sliding_window must be a positive integer or null, got " + window);
            }
            return new ArchitectureOptions(OptionalInt.of(window.intValue()));
        }
        return new ArchitectureOptions(OptionalInt.empty());
    }

    private static String text(JsonNode node, String absent) {
        return node.isTextual() ? node.textValue() : absent;
    }
}
