package dev.plrd.cli;

import dev.plrd.api.StageOutputs;
import dev.plrd.cli.StageCommand.InvalidInput;
import dev.plrd.plan.WorkerContract;
import dev.plrd.transport.Retry;
import dev.plrd.transport.fetch.FetchResult;
import dev.plrd.transport.fetch.FetchSource;
import dev.plrd.transport.fetch.Fetcher;
import dev.plrd.transport.fetch.HubEndpoint;
import dev.plrd.transport.fetch.S3Endpoint;
import dev.plrd.transport.fetch.TransferProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How a stage gets what it reads. Every model and dataset URI a stage is given goes through the one fetch code
 * path: a remote one (hf://, s3://, oci://, https://) is fetched into the workspace cache by the stage that reads
 * it, a local one (a path, file://, pvc://) is read in place. The cache makes a second reader free: a retried or
 * resumed stage, or the evaluate stage reading the base that decompose fetched, finds the files there. Stages pin
 * revisions: the first stage that resolves a Hub branch records its commit in the cache, and every later stage of
 * the family reads that commit, so one family never mixes two versions of its base or data.
 */
final class StageInputs {
    /** The forms of a model or dataset URI, for option descriptions. */
    static final String URIS = "a path, file://PATH, pvc://CLAIM/PATH (a mounted claim), hf://ORG/NAME[@REVISION],"
            + " hf://datasets/ORG/NAME[@REVISION][#GLOB], s3://BUCKET/PREFIX, oci://REGISTRY/REPO:TAG or"
            + " https://HOST/FILE; a remote one is fetched into the workspace cache first.";

    private final Fetcher fetcher;
    private long fetchedBytes;
    private long downloadedBytes;

    private StageInputs(Fetcher fetcher) {
        this.fetcher = fetcher;
    }

    /** The inputs of a stage: the workspace cache, and the Hub and S3 endpoints and credentials of its environment. */
    static StageInputs of(Map<String, String> environment) throws InvalidInput {
        // an oci:// input comes over HTTPS: publish.plainHttp is the family's own registry, not its inputs'
        return new StageInputs(fetcher(environment, cacheDirectory(environment), false, true));
    }

    /**
     * The fetcher of an environment: its Hub endpoint and token, and its S3 endpoint and credentials, read at the
     * first s3:// fetch.
     */
    static Fetcher fetcher(Map<String, String> environment, Path cache, boolean plainHttpRegistries,
            boolean pinRevisions) throws InvalidInput {
        HubEndpoint hub;
        try {
            hub = HubEndpoint.fromEnvironment(environment);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
        return new Fetcher(cache, hub, () -> S3Endpoint.fromEnvironment(environment), plainHttpRegistries,
                Retry.DEFAULT, TransferProgress.standardError(), pinRevisions);
    }

    /**
     * The fetch cache: the workspace's {@code cache/} in a stage pod or a local run ({@code $PLRD_WORKSPACE}), else
     * the user's cache directory, so that a stage run by hand reuses what earlier ones fetched.
     */
    static Path cacheDirectory(Map<String, String> env) {
        String workspace = env.get(WorkerContract.WORKSPACE_ENV);
        if (workspace != null && !workspace.isBlank()) {
            return Path.of(workspace, "cache");
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("plrd");
    }

    /** A checkpoint directory: the fetched snapshot, or the local directory. */
    Fetched checkpoint(String option, String uri) throws InvalidInput, IOException {
        Fetched in = fetch(option, uri, "no such checkpoint directory");
        if (!Files.isDirectory(in.location())) {
            throw new InvalidInput(option + " " + uri + ": no such checkpoint directory");
        }
        return in;
    }

    /** A dataset: a directory or a single file, fetched or local. */
    Fetched dataset(String option, String uri) throws InvalidInput, IOException {
        return fetch(option, uri, "no such file or directory");
    }

    /** Adds what the remote inputs read so far weigh, and what this run downloaded, to a stage's result. */
    void report(StageOutputs out) {
        if (fetchedBytes > 0) {
            out.fetchedBytes = fetchedBytes;
            out.downloadedBytes = downloadedBytes;
        }
    }

    private Fetched fetch(String option, String uri, String missing) throws InvalidInput, IOException {
        FetchSource source;
        try {
            source = FetchSource.parse(uri);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(option + " " + e.getMessage(), e);
        }
        if (source instanceof FetchSource.LocalFiles local && !Files.exists(local.path())) {
            throw new InvalidInput(option + " " + uri + ": " + missing
                    + (local.path().toString().equals(uri) ? "" : " (" + local.path() + ")"));
        }
        // a permanent transport failure (404, 401, a digest mismatch) is invalid input: StageCommand maps it
        FetchResult result = fetcher.fetch(source);
        if (!(source instanceof FetchSource.LocalFiles)) {
            fetchedBytes += result.bytes();
            downloadedBytes += result.downloaded();
            System.err.printf("%s %s: %s%s, %,d bytes in %d files (%,d downloaded)%n", option, uri,
                    result.location(), result.revision() == null ? "" : " at " + result.revision(), result.bytes(),
                    result.files(), result.downloaded());
        }
        return new Fetched(result.location(), result.revision());
    }

    /** Where an input is on this machine, and the commit a Hub revision resolved to (null for other sources). */
    record Fetched(Path location, String revision) {
    }
}
