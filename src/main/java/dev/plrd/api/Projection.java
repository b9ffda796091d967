package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The linear layers of a Llama/Mistral block that can be factored. */
public enum Projection {
    @JsonProperty("q") Q,
    @JsonProperty("k") K,
    @JsonProperty("v") V,
    @JsonProperty("o") O,
    @JsonProperty("gate") GATE,
    @JsonProperty("up") UP,
    @JsonProperty("down") DOWN;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
