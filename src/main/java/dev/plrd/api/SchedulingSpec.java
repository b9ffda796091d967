package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** A narrow scheduling block instead of a pod template: what GPU batch work needs, nothing more. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchedulingSpec {
    @JsonPropertyDescription("GPUs of the GPU stages: count, product and which stages get them.")
    public GpuSpec gpu;

    @JsonPropertyDescription("CPU and memory requests of every stage pod (memory is also the limit).")
    public ResourcesSpec resources;

    @Size(max = 32)
    @ValidationRule(value = SpecRules.NODE_SELECTOR_KEYS, message = SpecRules.NODE_SELECTOR_KEYS_MESSAGE)
    @ValidationRule(value = SpecRules.NODE_SELECTOR_VALUES, message = SpecRules.NODE_SELECTOR_VALUES_MESSAGE)
    @JsonPropertyDescription("Node labels every stage pod requires, added to the GPU product selector.")
    public Map<String, String> nodeSelector;

    @Size(max = 32)
    @JsonPropertyDescription("Tolerations of every stage pod, added to the nvidia.com/gpu toleration of GPU stages.")
    public List<TolerationSpec> tolerations;

    @Size(max = 253)
    @ValidationRule(value = SpecRules.DNS_SUBDOMAIN, message = SpecRules.DNS_SUBDOMAIN_MESSAGE)
    @JsonPropertyDescription("PriorityClass of the stage pods.")
    public String priorityClassName;

    @Size(max = 63)
    @ValidationRule(value = SpecRules.DNS_SUBDOMAIN, message = SpecRules.DNS_SUBDOMAIN_MESSAGE)
    @JsonPropertyDescription("Kueue LocalQueue; the stage Jobs get the kueue.x-k8s.io/queue-name label and Kueue admits them.")
    public String queueName;

    @Size(max = 16)
    @ValidationRule(value = SpecRules.DURATION, message = SpecRules.DURATION_MESSAGE)
    @JsonPropertyDescription("How long a stage pod may wait for a node and start; 1h when absent. Queueing in Kueue does not count.")
    public String startupTimeout;

    @Size(max = 16)
    @ValidationRule(value = SpecRules.DURATION, message = SpecRules.DURATION_MESSAGE)
    @JsonPropertyDescription("How long a stage pod may run; 72h when absent.")
    public String runTimeout;

    @Min(0)
    @Max(20)
    @JsonPropertyDescription("Application failures retried per stage (the Job's backoffLimit); 3 when absent. Preemption is not counted.")
    public Integer retries;
}
