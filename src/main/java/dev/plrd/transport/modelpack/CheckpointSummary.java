package dev.plrd.transport.modelpack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import dev.plrd.plan.ParameterCount;
import dev.plrd.plan.RankPlan;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * What the artifact says about the model, read from the checkpoint's config.json: the parameter count
 * (exact, from the tensors the config implies, factored layers included), the ranks summary of its
 * {@code plrd} section, the model family ({@code model_type}) and the stored precision ({@code torch_dtype}).
 *
 * @param ranks     the ranks summary, empty for a dense model
 * @param family    e.g. {@code llama}; null when config.json names none
 * @param precision e.g. {@code bfloat16}; null when config.json names none
 */
public record CheckpointSummary(long parameters, String ranks, String family, String precision) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static CheckpointSummary read(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve(ModelConfig.FILE_NAME);
        ModelConfig config;
        JsonNode raw;
        try {
            config = ModelConfig.read(file);
            raw = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new TransportException(file + ": not a readable model config: " + e.getMessage(), true, e);
        }
        String ranks = new RankPlan(config.plrd().ranks(), 0)
                .summary(Arrays.stream(Projection.values()).map(Projection::id).toList());
        String family = raw.path("model_type").asText(null);
        if (family == null) {
            family = config.architecture().replaceFirst("ForCausalLM$", "").toLowerCase(Locale.ROOT);
        }
        return new CheckpointSummary(ParameterCount.of(config), ranks, family, config.torchDtype().orElse(null));
    }

    /** The spec's paramSize: a count with at most one decimal and a scale letter, such as {@code 6.7B} or {@code 86M}. */
    public String paramSize() {
        String[] prefixes = {"K", "M", "B", "T", "Q"};
        double scale = 1e3;
        for (int i = 0; ; i++, scale *= 1e3) {
            double count = Math.round(parameters / scale * 10) / 10.0;
            if (count < 1000 || i == prefixes.length - 1) {
                String text = count == Math.rint(count) ? Long.toString((long) count) : Double.toString(count);
                return text + prefixes[i];
            }
        }
    }
}
