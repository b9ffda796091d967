package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum SvdMethod {
    @JsonProperty("exact") EXACT,
    @JsonProperty("randomized") RANDOMIZED;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
