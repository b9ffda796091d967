package dev.plrd.api;

import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;

/**
 * Build-time CRD post-processor: {@code spec.scheduling.nodeSelector} values are label values, at
 * most 63 characters. The generator cannot bound a map's values, and without the bound the API
 * server estimates the cost of the values rule as too high and refuses the whole CRD.
 */
public class NodeSelectorValueLength implements CRDPostProcessor {
    static final long LABEL_VALUE_MAX = 63;

    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        if (!(crd instanceof CustomResourceDefinition definition)) {
            return crd;
        }
        definition.getSpec().getVersions().forEach(v -> {
            JSONSchemaProps values = v.getSchema().getOpenAPIV3Schema().getProperties().get("spec")
                    .getProperties().get("scheduling").getProperties().get("nodeSelector")
                    .getAdditionalProperties().getSchema();
            values.setMaxLength(LABEL_VALUE_MAX);
        });
        return crd;
    }
}
