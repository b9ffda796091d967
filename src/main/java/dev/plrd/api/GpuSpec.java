package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = SpecRules.NODES_NEED_GPUS, message = SpecRules.NODES_NEED_GPUS_MESSAGE)
public class GpuSpec {
    @Min(0)
    @Max(16)
    @JsonPropertyDescription("GPUs per node of a GPU stage; 1 when absent.")
    public Integer count;

    @Min(1)
    @Max(128)
    @JsonPropertyDescription("Nodes the train stage runs on, each with count GPUs; 1 when absent.")
    public Integer nodes;

    @Size(max = 63)
    @ValidationRule(value = SpecRules.LABEL_VALUE, message = SpecRules.LABEL_VALUE_MESSAGE)
    @JsonPropertyDescription("Value of the nvidia.com/gpu.product node label, such as NVIDIA-H100-80GB-HBM3.")
    public String product;

    @Size(max = 32)
    @ValidationRule(value = SpecRules.QUANTITY, message = SpecRules.QUANTITY_MESSAGE)
    @JsonPropertyDescription("Memory of one GPU, such as 80Gi, for the training memory check: needed for a product "
            + "the planner does not know, and overrides a known product's.")
    public String memory;

    @Size(max = 4)
    @JsonPropertyDescription("Stages that get GPUs; [train] when absent, so CPU stages do not hold GPU quota.")
    public List<StageName> stages;
}
