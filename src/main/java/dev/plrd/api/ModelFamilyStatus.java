package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Written only by the operator; the source of truth for what has run (not the existence of Jobs). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelFamilyStatus {
    @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("Pending, Running, Succeeded, Failed or Suspended.")
    public String phase;

    @JsonPropertyDescription("The stage now in hand as member/stage, or empty when none is.")
    public String currentStage;

    @JsonPropertyDescription("GPUs per node x nodes of the stage in hand while it is submitted or running, such as 8x2; absent for a CPU stage.")
    public String gpus;

    @JsonPropertyDescription("Members published / members in the spec.")
    public String published;

    @JsonPropertyDescription("The per-family workspace PersistentVolumeClaim.")
    public String workspaceClaim;

    @JsonPropertyDescription("The base model as fetched by the first member's decompose: its URI, resolved commit and size.")
    public BaseStatus base;

    @JsonPropertyDescription("Ready, Progressing, Degraded and Suspended, with metav1.Condition semantics.")
    public List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Each member's stages, figures and published artifact, in the order of spec.members.")
    public List<MemberStatus> members = new ArrayList<>();
}
