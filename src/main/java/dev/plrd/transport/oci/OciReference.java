package dev.plrd.transport.oci;

/**
 * Where an artifact is published or pulled from: {@code oci://REGISTRY/REPO:TAG} (or
 * {@code @sha256:...}; the scheme may be left out) for a registry, or {@code oci-layout://PATH:TAG}
 * for an OCI image layout directory.
 *
 * @param layout     true for an OCI image layout directory
 * @param registry   the registry host[:port]; null for a layout
 * @param repository the repository path in the registry, or the layout directory
 * @param tag        the tag, or null when a digest is given
 * @param digest     {@code sha256:...}, or null when a tag is given
 */
public record OciReference(boolean layout, String registry, String repository, String tag, String digest) {
    private static final String REGISTRY = "[a-zA-Z0-9.-]+(:[0-9]+)?";
    static final String REPOSITORY = "[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*";
    static final String TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private static final String DIGEST = "sha256:[a-f0-9]{64}";

    /** Parses a reference; the message names the value and the accepted forms. */
    public static OciReference parse(String value) {
        if (value.startsWith("oci-layout://")) {
            String rest = value.substring("oci-layout://".length());
            int at = rest.lastIndexOf('@');
            int colon = rest.lastIndexOf(':');
            if (at > 0 && rest.substring(at + 1).matches(DIGEST)) {
                return new OciReference(true, null, rest.substring(0, at), null, rest.substring(at + 1));
            }
            if (colon > 0 && rest.substring(colon + 1).matches(TAG)) {
                return new OciReference(true, null, rest.substring(0, colon), rest.substring(colon + 1), null);
            }
            throw invalid(value);
        }
        String rest = value.startsWith("oci://") ? value.substring("oci://".length()) : value;
        int slash = rest.indexOf('/');
        if (slash <= 0 || !rest.substring(0, slash).matches(REGISTRY)) {
            throw invalid(value);
        }
        String registry = rest.substring(0, slash);
        String path = rest.substring(slash + 1);
        int at = path.indexOf('@');
        if (at > 0) {
            String repository = path.substring(0, at);
            String digest = path.substring(at + 1);
            if (repository.matches(REPOSITORY) && digest.matches(DIGEST)) {
                return new OciReference(false, registry, repository, null, digest);
            }
            throw invalid(value);
        }
        int colon = path.lastIndexOf(':');
        if (colon > 0 && path.substring(0, colon).matches(REPOSITORY) && path.substring(colon + 1).matches(TAG)) {
            return new OciReference(false, registry, path.substring(0, colon), path.substring(colon + 1), null);
        }
        throw invalid(value);
    }

    /** The tag or the digest, whichever the reference gives. */
    public String reference() {
        return tag != null ? tag : digest;
    }

    @Override
    public String toString() {
        String where = layout ? "oci-layout://" + repository : "oci://" + registry + "/" + repository;
        return where + (tag != null ? ":" + tag : "@" + digest);
    }

    private static IllegalArgumentException invalid(String value) {
        return new IllegalArgumentException(value + ": not an artifact reference; expected oci://REGISTRY/REPO:TAG,"
                + " oci://REGISTRY/REPO@sha256:DIGEST or oci-layout://PATH:TAG");
    }
}
