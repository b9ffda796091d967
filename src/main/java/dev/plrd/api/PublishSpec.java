package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PublishSpec {
    @Required
    @Size(max = 255)
    @ValidationRule(value = SpecRules.REPOSITORY, message = SpecRules.REPOSITORY_MESSAGE)
    @JsonPropertyDescription("OCI repository; each member is pushed with its name as the tag.")
    public String repository;

    @Size(max = 253)
    @ValidationRule(value = SpecRules.DNS_SUBDOMAIN, message = SpecRules.DNS_SUBDOMAIN_MESSAGE)
    @JsonPropertyDescription("Secret of type kubernetes.io/dockerconfigjson used to push.")
    public String credentialsSecret;

    @JsonPropertyDescription("Talk plain HTTP to the registry (for a registry inside the cluster).")
    public Boolean plainHttp;
}
