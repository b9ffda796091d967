package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A pod toleration (the fields of core/v1 Toleration that scheduling needs). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TolerationSpec {
    @Size(max = 317)
    @ValidationRule(value = SpecRules.TAINT_KEY, message = SpecRules.TAINT_KEY_MESSAGE)
    @JsonPropertyDescription("Taint key the toleration matches; empty with operator Exists matches every taint.")
    public String key;
    @JsonPropertyDescription("Exists or Equal (Equal when absent).")
    public TolerationOperator operator;
    @Size(max = 63)
    @ValidationRule(value = SpecRules.LABEL_VALUE, message = SpecRules.LABEL_VALUE_MESSAGE)
    @JsonPropertyDescription("Taint value to match with operator Equal.")
    public String value;
    @JsonPropertyDescription("NoSchedule, PreferNoSchedule or NoExecute; every effect when absent.")
    public TaintEffect effect;
}
