package dev.plrd.transport.modelpack;

/**
 * The manifest annotation keys: the OCI standard ones where they fit, ours under {@code dev.plrd.}
 * for what only a PLRD family has (lineage, ranks, evaluation).
 */
public final class ModelPackAnnotations {
    private ModelPackAnnotations() {
    }

    public static final String CREATED = "org.opencontainers.image.created";
    public static final String TITLE = "org.opencontainers.image.title";

    /** The exact parameter count (the config's paramSize is rounded to one decimal). */
    public static final String PARAMETERS = "dev.plrd.parameters";
    /** The ranks summary of status ({@code q:1024 k:256 ...}); absent for a dense member. */
    public static final String RANKS = "dev.plrd.ranks";

    /** Lineage of a later member: the manifest digest and reference of the member it was derived from. */
    public static final String PARENT_DIGEST = "dev.plrd.parent.digest";
    public static final String PARENT_URI = "dev.plrd.parent.uri";
    /** Lineage of the first member: the base model it was derived from and the revision that was read. */
    public static final String BASE_URI = "dev.plrd.base.uri";
    public static final String BASE_REVISION = "dev.plrd.base.revision";

    /** The member's held-out perplexity, its parent's, their ratio, and what they were measured on. */
    public static final String PERPLEXITY = "dev.plrd.evaluation.perplexity";
    public static final String PARENT_PERPLEXITY = "dev.plrd.evaluation.parent-perplexity";
    public static final String PERPLEXITY_RATIO = "dev.plrd.evaluation.perplexity-ratio";
    public static final String MEASURED_ON = "dev.plrd.evaluation.measured-on";
}
