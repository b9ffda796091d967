package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The training settings that commonly differ between members: the smaller one may need more healing. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MemberTrainingSpec {
    @Size(max = 16)
    @ValidationRule(value = SpecRules.COUNT, message = SpecRules.COUNT_MESSAGE)
    public String tokens;

    @Min(value = 0, inclusive = false)
    @Max(1)
    public Double learningRate;
}
