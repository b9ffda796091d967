package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = SpecRules.REVISION_SCHEME, message = SpecRules.REVISION_SCHEME_MESSAGE)
public class BaseModelSpec {
    @Required
    @Size(max = 512)
    @ValidationRule(value = SpecRules.MODEL_URI, message = SpecRules.MODEL_URI_MESSAGE)
    @JsonPropertyDescription("Where the checkpoint is: hf://org/name, oci://registry/repo:tag, s3://bucket/path, pvc://claim/path or file:///path.")
    public String uri;

    @Size(max = 128)
    @ValidationRule(value = SpecRules.REVISION, message = SpecRules.REVISION_MESSAGE)
    @JsonPropertyDescription("Pinned revision (commit or digest) so that a re-run reads the same weights.")
    public String revision;

    @Size(max = 253)
    @ValidationRule(value = SpecRules.DNS_SUBDOMAIN, message = SpecRules.DNS_SUBDOMAIN_MESSAGE)
    @JsonPropertyDescription("Secret for the stages that read the base: its HF_TOKEN and AWS_* credential keys become environment variables, and the whole Secret is mounted read-only at /var/run/plrd/credentials/base.")
    public String credentialsSecret;
}
