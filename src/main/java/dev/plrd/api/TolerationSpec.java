package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A pod toleration (the fields of core/v1 Toleration that scheduling needs). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TolerationSpec {
    @Size(max = 317)
    @ValidationRule(value = SpecRules.TAINT_KEY, message = SpecRules.TAINT_KEY_MESSAGE)
    public String key;
    public TolerationOperator operator;
    @Size(max = 63)
    @ValidationRule(value = SpecRules.LABEL_VALUE, message = SpecRules.LABEL_VALUE_MESSAGE)
    public String value;
    public TaintEffect effect;
}
