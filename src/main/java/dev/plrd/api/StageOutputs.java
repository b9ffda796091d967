package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The result a stage pod reports as JSON in its termination message (the worker contract), copied
 * into status. The kubelet keeps at most 4096 bytes of it, so it carries summaries, not tables.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class StageOutputs {
    @JsonPropertyDescription("Where the stage wrote its result: a checkpoint directory, or the published reference.")
    public String uri;
    @JsonPropertyDescription("Parameter count of the stage's checkpoint.")
    public Long parameters;
    @JsonPropertyDescription("The parent's parameter count, for a decomposition.")
    public Long parentParameters;
    @JsonPropertyDescription("Ranks per projection kind, space-separated in the order q k v o gate up down, min-max"
            + " where layers differ, such as q:1024 k:256 gate:1792-2304; the exact ranks are in the member's"
            + " config.json (plrd.ranks).")
    public String ranks;
    @JsonPropertyDescription("Per-layer relative error of a decomposition, summarised (min, mean, max).")
    public String relativeError;
    @JsonPropertyDescription("Final training loss, or the evaluation's mean next-token loss.")
    public Double loss;
    @JsonPropertyDescription("Perplexity the evaluation measured.")
    public Double perplexity;
    @JsonPropertyDescription("The parent's perplexity on the same tokens.")
    public Double parentPerplexity;
    @JsonPropertyDescription("The member's perplexity before healing: its decomposed checkpoint, measured as the trained one is.")
    public Double decomposedPerplexity;
    @JsonPropertyDescription("Tokens trained on or evaluated.")
    public Long tokens;
    @JsonPropertyDescription("Training throughput of the last attempt.")
    public Double tokensPerSecond;
    @JsonPropertyDescription("What an evaluation measured on (data, split, tokens, seed, sequence length, and"
            + " measured=N when the split held fewer tokens than asked), so that a parent's result is only reused for"
            + " the same measurement.")
    public String evaluation;
    @JsonPropertyDescription("Digest of the published manifest (sha256:...).")
    public String digest;
    @JsonPropertyDescription("Wall time of the stage's work.")
    public Double seconds;
    @JsonPropertyDescription("The commit a Hub base resolved to (an oci:// base: its manifest digest), for the stage that fetched it: the first member's decompose.")
    public String revision;
    @JsonPropertyDescription("Bytes of the remote inputs this stage read (base, parent, data), from the workspace cache or downloaded.")
    public Long fetchedBytes;
    @JsonPropertyDescription("Bytes of those this attempt downloaded: 0 when the workspace cache had them all.")
    public Long downloadedBytes;
}
