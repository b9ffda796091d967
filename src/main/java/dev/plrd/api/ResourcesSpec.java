package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** CPU and memory requests of every stage pod (memory is also the limit). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourcesSpec {
    @Size(max = 32)
    @JsonPropertyDescription("Kubernetes quantity such as 8 or 8000m.")
    @ValidationRule(value = SpecRules.QUANTITY, message = SpecRules.QUANTITY_MESSAGE)
    public String cpu;

    @Size(max = 32)
    @JsonPropertyDescription("Kubernetes quantity such as 64Gi.")
    @ValidationRule(value = SpecRules.QUANTITY, message = SpecRules.QUANTITY_MESSAGE)
    public String memory;
}
