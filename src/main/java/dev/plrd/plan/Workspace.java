package dev.plrd.plan;

import java.nio.file.Path;

/**
 * The layout of the per-family workspace, part of the worker contract. Paths are stable per member
 * (not per attempt) so that a new attempt finds what an interrupted one left, and training state is
 * keyed by the stage fingerprint so that changed inputs never resume stale state.
 *
 * <p>In a cluster the workspace is a volume mounted at {@link #POD}'s root and each stage writes its
 * result to the pod's termination message; on one machine ({@code plrd run}) it is a directory, and the
 * result is read from the stage's report in it.
 *
 * @param root       the workspace directory, absolute
 * @param resultPath where a stage writes its result JSON, or null where the report alone carries it
 */
public record Workspace(String root, String resultPath) {
    /** The workspace of a stage pod: the volume's mount point, results in the termination message. */
    public static final Workspace POD = new Workspace("/workspace", WorkerContract.RESULT_PATH);

    /** Where each PersistentVolumeClaim an input names ({@code pvc://CLAIM/PATH}) is mounted in a pod, read-only. */
    public static final String CLAIMS_MOUNT = "/mnt/pvc";

    /** A workspace directory on this machine. */
    public static Workspace local(Path root) {
        return new Workspace(root.toAbsolutePath().normalize().toString(), null);
    }

    public String member(String member) {
        return root + "/members/" + member;
    }

    public String decomposed(String member) {
        return member(member) + "/decomposed";
    }

    public String trained(String member) {
        return member(member) + "/trained";
    }

    public String trainState(String member, String fingerprint) {
        return member(member) + "/train-state/" + fingerprint;
    }

    /** The stage result JSON, kept beside the termination message for later stages and people. */
    public String report(String member, String stage) {
        return member(member) + "/" + stage + ".json";
    }

    /** The base model's evaluation, the first member's parent perplexity. */
    public String baseReport(String stage) {
        return root + "/base/" + stage + ".json";
    }

    /** Downloads of remote models and datasets, so that later stages and attempts do not fetch again. */
    public String cache() {
        return root + "/cache";
    }

    /** The claim of a {@code pvc://CLAIM/PATH} URI, or null for any other URI. */
    public static String claim(String uri) {
        if (uri == null || !uri.startsWith("pvc://")) {
            return null;
        }
        String rest = uri.substring("pvc://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    /** Where a stage pod reads {@code pvc://CLAIM/PATH}: under the claim's mount. */
    public static String claimPath(String uri) {
        String claim = claim(uri);
        if (claim == null) {
            throw new IllegalArgumentException(uri + ": not a pvc://CLAIM/PATH URI");
        }
        return CLAIMS_MOUNT + "/" + claim + uri.substring("pvc://".length() + claim.length());
    }
}
