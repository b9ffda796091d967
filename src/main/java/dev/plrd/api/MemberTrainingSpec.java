package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The training settings that commonly differ between members: the smaller one may need more healing. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MemberTrainingSpec {
    @Size(max = 16)
    @ValidationRule(value = SpecRules.COUNT, message = SpecRules.COUNT_MESSAGE)
    @JsonPropertyDescription("This member's token budget, in place of training.tokens.")
    public String tokens;

    @Min(value = 0, inclusive = false)
    @Max(1)
    @JsonPropertyDescription("This member's peak learning rate, in place of training.learningRate.")
    public Double learningRate;
}
