package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Continual pretraining that heals each member after its rank is cut. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainingSpec {
    @Required
    @Size(max = 512)
    @ValidationRule(value = SpecRules.DATA_URI, message = SpecRules.DATA_URI_MESSAGE)
    @JsonPropertyDescription("Training data: pre-tokenised shards, text or JSON lines.")
    public String dataset;

    @Size(max = 16)
    @ValidationRule(value = SpecRules.COUNT, message = SpecRules.COUNT_MESSAGE)
    @JsonPropertyDescription("Token budget per member; 1B when absent.")
    public String tokens;

    @Min(16)
    @Max(1048576)
    @JsonPropertyDescription("Tokens per training window; when absent, the model's context (max_position_embeddings), at most 2048.")
    public Integer sequenceLength;

    @Min(1)
    @Max(4096)
    @JsonPropertyDescription("Windows per forward pass; 4 when absent.")
    public Integer microBatch;

    @Size(max = 16)
    @ValidationRule(value = SpecRules.COUNT, message = SpecRules.COUNT_MESSAGE)
    @JsonPropertyDescription("Tokens per optimizer step, reached by gradient accumulation.")
    public String globalBatchTokens;

    @Min(value = 0, inclusive = false)
    @Max(1)
    @JsonPropertyDescription("Peak AdamW learning rate; 1e-4 when absent.")
    public Double learningRate;

    @Min(0)
    @Max(1000000)
    @JsonPropertyDescription("Linear warmup steps before the cosine decay; 50 when absent.")
    public Integer warmupSteps;

    @Size(max = 16)
    @ValidationRule(value = SpecRules.COUNT, message = SpecRules.COUNT_MESSAGE)
    @JsonPropertyDescription("Checkpoint interval in tokens; training resumes from the last one after preemption.")
    public String checkpointEveryTokens;

    @JsonPropertyDescription("Numeric precision on GPU; Mixed (float16 compute, float32 master weights, loss scaling) when absent.")
    public Precision precision;

    @JsonPropertyDescription("What the train and evaluate stages compute on: Auto (PyTorch when the stage gets GPUs,"
            + " DJL on CPUs), DJL (one device) or Torch (one process per GPU); Auto when absent.")
    public TrainingEngine engine;

    @Size(max = 253)
    @ValidationRule(value = SpecRules.DNS_SUBDOMAIN, message = SpecRules.DNS_SUBDOMAIN_MESSAGE)
    @JsonPropertyDescription("Secret for the train and evaluate stages: its HF_TOKEN and AWS_* credential keys become environment variables, and the whole Secret is mounted read-only at /var/run/plrd/credentials/data.")
    public String credentialsSecret;
}
