package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import dev.plrd.model.Projection;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DecompositionSpec {
    @Size(min = 1, max = 7)
    @JsonPropertyDescription("Projections to factor; all seven when absent. Embeddings, lm_head and norms stay dense.")
    public List<Projection> layers;

    @JsonPropertyDescription("How ranks are spread over matrices for a parameter budget; Uniform when absent.")
    public RankAllocation allocation;

    @JsonPropertyDescription("SVD method for a dense input; exact when absent. Factored inputs are re-truncated exactly.")
    public SvdMethod method;

    @JsonPropertyDescription("How the singular values are split between A and B; Balanced (sqrt on both) when absent.")
    public FactorSplit split;
}
