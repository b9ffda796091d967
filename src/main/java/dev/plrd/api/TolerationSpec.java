package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;

/** A pod toleration (the fields of core/v1 Toleration that scheduling needs). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TolerationSpec {
    @Size(max = 253)
    public String key;
    public TolerationOperator operator;
    @Size(max = 253)
    public String value;
    public TaintEffect effect;
}
