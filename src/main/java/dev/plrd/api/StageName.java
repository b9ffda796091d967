package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** The four stages every member goes through, in this order. */
public enum StageName {
    @JsonProperty("decompose") DECOMPOSE,
    @JsonProperty("train") TRAIN,
    @JsonProperty("evaluate") EVALUATE,
    @JsonProperty("publish") PUBLISH;

    /** The lower-case name used in status, labels, Job names and the worker command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
