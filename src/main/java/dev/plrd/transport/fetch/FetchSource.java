package dev.plrd.transport.fetch;

import dev.plrd.plan.Workspace;
import dev.plrd.transport.oci.OciReference;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a model or dataset comes from, parsed from its URI:
 * <ul>
 * <li>{@code hf://ORG/NAME[@REVISION]}: a model repository on the Hugging Face Hub (default revision {@code main});
 * <li>{@code hf://datasets/ORG/NAME[@REVISION][#GLOB]}: a dataset repository, optionally only the files whose
 * repository path matches GLOB (the glob rides in the URI so that a ModelFamily's one dataset field can carry it);
 * <li>{@code s3://BUCKET/PREFIX[#GLOB]}: the objects under PREFIX in an S3 bucket (or an S3-compatible store at
 * {@code AWS_ENDPOINT_URL}): a checkpoint's files when {@code config.json} lies directly under PREFIX, else the
 * dataset files (those matching GLOB when given), as for the Hub;
 * <li>{@code oci://REGISTRY/REPO:TAG} or {@code oci://REGISTRY/REPO@sha256:DIGEST}: a member checkpoint published by
 * {@code plrd publish} as a ModelPack artifact;
 * <li>{@code https://HOST/PATH/FILE} (and {@code http://}, for mirrors inside a cluster): one file;
 * <li>{@code file://PATH}, {@code pvc://CLAIM/PATH} (where the claim is mounted in the stage pod) and plain paths:
 * read in place.
 * </ul>
 */
public sealed interface FetchSource {
    /** The URI as the user wrote it: what messages name. */
    String uri();

    record HubRepo(String uri, boolean dataset, String repo, String revision, String glob) implements FetchSource {
        /** {@code models} or {@code datasets}: the Hub's API path segment for the repository type. */
        public String type() {
            return dataset ? "datasets" : "models";
        }
    }

    record WebFile(String uri, URI location) implements FetchSource {
        /** The last path segment, the name the file keeps. */
        public String fileName() {
            String path = location.getPath();
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    /** prefix is "" for a whole bucket, else ends at a '/' or names a key's beginning as S3 prefixes do. */
    record S3Objects(String uri, String bucket, String prefix, String glob) implements FetchSource {
    }

    record OciArtifact(String uri, OciReference reference) implements FetchSource {
    }

    record LocalFiles(String uri, Path path) implements FetchSource {
    }

    /** ORG/NAME as the Hub allows them: letters, digits, '-', '_' and '.', no "..". */
    Pattern HUB = Pattern.compile("hf://(datasets/)?([A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*)"
            + "(?:@([^#@\\s]+))?(?:#(.+))?");

    /** A bucket name as S3 allows it: 3 to 63 lower-case letters, digits, '.' and '-'. */
    Pattern S3 = Pattern.compile("s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/([^#]*))?(?:#(.+))?");

    String SCHEMES = "hf://, s3://, oci://, https://, file://, pvc:// or a path";

    static FetchSource parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("empty URI: expected " + SCHEMES);
        }
        if (uri.startsWith("hf://")) {
            return hub(uri);
        }
        if (uri.startsWith("s3://")) {
            return s3(uri);
        }
        if (uri.startsWith("oci://")) {
            return new OciArtifact(uri, OciReference.parse(uri));
        }
        if (uri.startsWith("https://") || uri.startsWith("http://")) {
            return web(uri);
        }
        if (uri.startsWith("file://")) {
            return new LocalFiles(uri, Path.of(uri.substring("file://".length())));
        }
        if (uri.startsWith("pvc://")) {
            return new LocalFiles(uri, Path.of(Workspace.claimPath(uri)));
        }
        if (uri.matches("^[a-z][a-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException(uri + ": unsupported scheme; expected " + SCHEMES);
        }
        return new LocalFiles(uri, Path.of(uri));
    }

    private static HubRepo hub(String uri) {
        Matcher m = HUB.matcher(uri);
        if (!m.matches() || m.group(2).contains("..")) {
            throw new IllegalArgumentException(uri + ": expected hf://ORG/NAME[@REVISION] or"
                    + " hf://datasets/ORG/NAME[@REVISION][#GLOB]");
        }
        boolean dataset = m.group(1) != null;
        if (!dataset && m.group(4) != null) {
            throw new IllegalArgumentException(uri + ": a #GLOB selects dataset files only; a model fetches what a"
                    + " checkpoint needs");
        }
        String revision = m.group(3) == null ? "main" : m.group(3);
        return new HubRepo(uri, dataset, m.group(2), revision, m.group(4));
    }

    private static S3Objects s3(String uri) {
        Matcher m = S3.matcher(uri);
        if (!m.matches() || m.group(1).contains("..")) {
            throw new IllegalArgumentException(uri + ": expected s3://BUCKET/PREFIX[#GLOB] with a bucket name of 3 to 63"
                    + " lower-case letters, digits, '.' and '-'");
        }
        return new S3Objects(uri, m.group(1), m.group(2) == null ? "" : m.group(2), m.group(3));
    }

    private static WebFile web(String uri) {
        URI location;
        try {
            location = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(uri + ": not a valid URL (" + e.getReason() + ")", e);
        }
        if (location.getHost() == null || location.getPath() == null || location.getPath().endsWith("/")
                || location.getPath().isEmpty()) {
            throw new IllegalArgumentException(uri + ": expected a URL of one file, https://HOST/PATH/FILE");
        }
        if (location.getUserInfo() != null) {
            throw new IllegalArgumentException("a URL with a user name or password: credentials do not belong in a"
                    + " URI (it is shown in status and logs)");
        }
        return new WebFile(uri, location);
    }
}
