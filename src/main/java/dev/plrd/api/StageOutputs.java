package dev.plrd.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The result a stage pod reports as JSON in its termination message (the worker contract), copied
 * into status. The kubelet keeps at most 4096 bytes of it, so it carries summaries, not tables.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class StageOutputs {
    /** Where the stage wrote its result: a checkpoint directory, or the published reference. */
    public String uri;
    public Long parameters;
    /** The parent's parameter count, for a decomposition. */
    public Long parentParameters;
    /**
     * A decomposition's ranks, one {@code kind:rank} entry per factored projection kind, space-separated in the
     * order q k v o gate up down; a kind whose layers got different ranks shows {@code min-max}. For example
     * {@code "q:1024 k:256 v:256 o:1024 gate:1792-2304 up:1792-2304 down:1792-2304"}. The exact per-layer ranks
     * are in the member's config.json ({@code plrd.ranks}).
     */
    public String ranks;
    /** Per-layer relative error of a decomposition, summarised (min, mean, max). */
    public String relativeError;
    public Double loss;
    public Double perplexity;
    public Double parentPerplexity;
    /** The member's perplexity before healing: its decomposed checkpoint, measured as the trained one is. */
    public Double decomposedPerplexity;
    public Long tokens;
    /** Training throughput of the last attempt. */
    public Double tokensPerSecond;
    /** What an evaluation measured on (data, split, tokens, seed, sequence length), so that a parent's result is only reused for the same measurement. */
    public String evaluation;
    public String digest;
    public Double seconds;
    /** The commit a Hub base resolved to, for the stage that fetched it (the first member's decompose). */
    public String revision;
    /** What the remote inputs this stage read (base, parent, data) weigh in bytes: cached or downloaded. */
    public Long fetchedBytes;
    /** How much of that this attempt downloaded: 0 when the workspace cache had it all. */
    public Long downloadedBytes;
}
