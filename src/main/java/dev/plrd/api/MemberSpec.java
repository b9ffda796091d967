package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = SpecRules.ONE_SIZE, message = SpecRules.ONE_SIZE_MESSAGE)
public class MemberSpec {
    @Required
    @Size(max = 40)
    @ValidationRule(value = SpecRules.DNS_LABEL, message = SpecRules.DNS_LABEL_MESSAGE)
    @JsonPropertyDescription("Member name; also the tag it is published under.")
    public String name;

    @Size(max = 16)
    @ValidationRule(value = SpecRules.COUNT, message = SpecRules.COUNT_MESSAGE)
    @JsonPropertyDescription("Parameter budget such as 3.1B; ranks are planned to land within 0.5% of it.")
    public String targetParameters;

    @ValidationRule(value = SpecRules.OPEN_UNIT_INTERVAL, message = SpecRules.OPEN_UNIT_INTERVAL_MESSAGE)
    @JsonPropertyDescription("Keep rank round(f * min(out, in)) in every decomposed matrix.")
    public Double rankFraction;

    @JsonPropertyDescription("Training settings for this member only; unset fields come from spec.training.")
    public MemberTrainingSpec training;
}
