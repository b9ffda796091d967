package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The per-family workspace volume shared by the stages. Created once; later edits do not resize it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageSpec {
    @Size(max = 32)
    @JsonPropertyDescription("Kubernetes quantity; 200Gi when absent.")
    @ValidationRule(value = SpecRules.QUANTITY, message = SpecRules.QUANTITY_MESSAGE)
    public String size;

    @Size(max = 253)
    @ValidationRule(value = SpecRules.DNS_SUBDOMAIN, message = SpecRules.DNS_SUBDOMAIN_MESSAGE)
    @JsonPropertyDescription("StorageClass of the workspace volume; the cluster's default when absent.")
    public String storageClassName;

    @JsonPropertyDescription("ReadWriteOnce when absent: stages run one at a time.")
    public AccessMode accessMode;
}
