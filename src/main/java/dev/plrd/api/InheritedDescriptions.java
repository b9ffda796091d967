package dev.plrd.api;

import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.Map;

/**
 * Build-time CRD post-processor: descriptions of the properties whose Java fields are not ours to
 * annotate: {@code spec} and {@code status} (fields of Fabric8's CustomResource) and the fields of
 * Fabric8's metav1 Condition, worded after the Kubernetes API's own.
 */
public class InheritedDescriptions implements CRDPostProcessor {
    static final String SPEC = "What the user asks for: the base model, the members and how they are derived,"
            + " trained, evaluated, published and scheduled. The operator never writes it.";
    static final String STATUS = "Written only by the operator: conditions, the stage in hand and each member's"
            + " stages and figures.";
    static final Map<String, String> CONDITION = Map.of(
            "type", "Ready, Progressing, Degraded or Suspended.",
            "status", "True, False or Unknown.",
            "observedGeneration", "The metadata.generation the condition was set from.",
            "lastTransitionTime", "When the status last changed from one value to another.",
            "reason", "Why the condition last changed, in CamelCase.",
            "message", "The reason in words.");

    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        if (!(crd instanceof CustomResourceDefinition definition)) {
            return crd;
        }
        definition.getSpec().getVersions().forEach(v -> {
            Map<String, JSONSchemaProps> root = v.getSchema().getOpenAPIV3Schema().getProperties();
            root.get("spec").setDescription(SPEC);
            JSONSchemaProps status = root.get("status");
            status.setDescription(STATUS);
            status.getProperties().get("conditions").getItems().getSchema().getProperties()
                    .forEach((name, property) -> property.setDescription(CONDITION.get(name)));
        });
        return crd;
    }
}
