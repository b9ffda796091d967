package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * What the user asks for. The operator never writes it; defaults are resolved in code
 * ({@code dev.plrd.plan.Defaults}) so that the manifest in Git stays what was applied.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = SpecRules.DJL_ONE_GPU, message = SpecRules.DJL_ONE_GPU_MESSAGE)
@ValidationRule(value = SpecRules.NODES_SHARE_WORKSPACE, message = SpecRules.NODES_SHARE_WORKSPACE_MESSAGE)
public class ModelFamilySpec {
    @Required
    @JsonPropertyDescription("The pretrained model the family is derived from.")
    public BaseModelSpec base;

    @Required
    @Size(min = 1, max = 16)
    @ValidationRule(value = SpecRules.UNIQUE_NAMES, message = SpecRules.UNIQUE_NAMES_MESSAGE)
    @ValidationRule(value = SpecRules.SAME_SIZING, message = SpecRules.SAME_SIZING_MESSAGE)
    @ValidationRule(value = SpecRules.DECREASING, message = SpecRules.DECREASING_MESSAGE)
    @JsonPropertyDescription("Members from largest to smallest; member k is derived from member k-1, the first from the base.")
    public List<MemberSpec> members;

    @JsonPropertyDescription("How each member's linear layers are factored: which projections, the rank"
            + " allocation, the SVD.")
    public DecompositionSpec decomposition;

    @Required
    @JsonPropertyDescription("Continual pretraining that heals each member after its rank is cut.")
    public TrainingSpec training;

    @JsonPropertyDescription("Held-out perplexity of each member and the optional gate against its parent.")
    public EvaluationSpec evaluation;

    @Required
    @JsonPropertyDescription("Where each member is pushed as an OCI ModelPack artifact, tagged with the member's name.")
    public PublishSpec publish;

    @JsonPropertyDescription("Where and how the stage pods run: GPUs, resources, node selection, Kueue queue,"
            + " timeouts, retries.")
    public SchedulingSpec scheduling;

    @JsonPropertyDescription("The per-family workspace volume that the stages share.")
    public StorageSpec storage;

    @Size(max = 512)
    @ValidationRule(value = SpecRules.IMAGE, message = SpecRules.IMAGE_MESSAGE)
    @JsonPropertyDescription("Worker image for every stage; the operator's configured image when absent.")
    public String image;

    @JsonPropertyDescription("Stops the running stage; setting it back to false continues from that stage.")
    public Boolean suspend;
}
