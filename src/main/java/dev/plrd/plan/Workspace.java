package dev.plrd.plan;

/**
 * The layout of the per-family workspace volume, part of the worker contract. Paths are stable
 * per member (not per attempt) so that a new attempt finds what an interrupted one left, and
 * training state is keyed by the stage fingerprint so that changed inputs never resume stale state.
 */
public final class Workspace {
    /** Where the stage pods mount the workspace volume. */
    public static final String ROOT = "/workspace";

    private Workspace() {
    }

    public static String member(String member) {
        return ROOT + "/members/" + member;
    }

    public static String decomposed(String member) {
        return member(member) + "/decomposed";
    }

    public static String trained(String member) {
        return member(member) + "/trained";
    }

    public static String trainState(String member, String fingerprint) {
        return member(member) + "/train-state/" + fingerprint;
    }

    /** The stage result JSON, kept beside the termination message for later stages and people. */
    public static String report(String member, String stage) {
        return member(member) + "/" + stage + ".json";
    }

    /** The base model's evaluation, the first member's parent perplexity. */
    public static String baseReport(String stage) {
        return ROOT + "/base/" + stage + ".json";
    }

    /** Where a base model on a PersistentVolumeClaim ({@code pvc://claim/path}) is mounted, read-only. */
    public static final String BASE_MOUNT = "/mnt/base";

    /** The claim of a {@code pvc://claim/path} base, or null for any other URI. */
    public static String baseClaim(String baseUri) {
        if (!baseUri.startsWith("pvc://")) {
            return null;
        }
        String rest = baseUri.substring("pvc://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    /** How a stage pod reaches the base: a PVC base is read where its claim is mounted, anything else by URI. */
    public static String baseLocation(String baseUri) {
        String claim = baseClaim(baseUri);
        if (claim == null) {
            return baseUri;
        }
        String path = baseUri.substring("pvc://".length() + claim.length());
        return BASE_MOUNT + (path.isEmpty() ? "" : path);
    }

    /** Downloads of remote models and datasets, so that later stages and attempts do not fetch again. */
    public static String cache() {
        return ROOT + "/cache";
    }
}
