package dev.plrd.api;

import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.List;

/**
 * Build-time CRD post-processor: {@code status.conditions} is a list-map keyed by {@code type},
 * as the Kubernetes API conventions ask, so that the API server refuses two conditions of one
 * type and server-side apply merges conditions by type. The generator has no annotation for it.
 * A list-map key must be required.
 */
public class ConditionsListMap implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        if (!(crd instanceof CustomResourceDefinition definition)) {
            return crd;
        }
        definition.getSpec().getVersions().forEach(v -> {
            JSONSchemaProps conditions = v.getSchema().getOpenAPIV3Schema().getProperties().get("status")
                    .getProperties().get("conditions");
            conditions.setXKubernetesListType("map");
            conditions.setXKubernetesListMapKeys(List.of("type"));
            conditions.getItems().getSchema().setRequired(List.of("type"));
        });
        return crd;
    }
}
