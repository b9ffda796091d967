package dev.plrd.plan;

import dev.plrd.model.ModelConfig;
import dev.plrd.model.Preset;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The architecture of a base, known before anything is fetched, for the Hub models whose config a preset
 * holds field for field: the operator plans GPU memory before the first stage runs. Other bases are
 * planned once their config is given ({@code plrd plan --base-config}).
 */
public final class KnownBases {
    private static final Map<String, Preset> HUB = Map.of(
            "mistralai/mistral-7b-v0.1", Preset.MISTRAL_7B_SHAPE,
            "meta-llama/llama-2-7b-hf", Preset.LLAMA2_7B_SHAPE);

    private KnownBases() {
    }

    /** @param uri the base's URI, such as {@code hf://mistralai/Mistral-7B-v0.1}; a revision does not change it */
    public static Optional<ModelConfig> config(String uri) {
        if (uri == null || !uri.startsWith("hf://")) {
            return Optional.empty();
        }
        String repository = uri.substring("hf://".length());
        int revision = repository.indexOf('@');
        if (revision >= 0) {
            repository = repository.substring(0, revision);
        }
        return Optional.ofNullable(HUB.get(repository.toLowerCase(Locale.ROOT))).map(Preset::config);
    }
}
