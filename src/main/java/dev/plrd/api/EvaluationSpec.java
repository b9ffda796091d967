package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class EvaluationSpec {
    @Size(max = 512)
    @ValidationRule(value = SpecRules.DATA_URI, message = SpecRules.DATA_URI_MESSAGE)
    @JsonPropertyDescription("Held-out data; the held-out split of the training dataset when absent.")
    public String dataset;

    @Size(max = 16)
    @ValidationRule(value = SpecRules.COUNT, message = SpecRules.COUNT_MESSAGE)
    @JsonPropertyDescription("Tokens evaluated; 10M when absent.")
    public String tokens;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("Gate: a member whose perplexity exceeds this multiple of its parent's fails and is not published.")
    public Double maxPerplexityRatio;
}
