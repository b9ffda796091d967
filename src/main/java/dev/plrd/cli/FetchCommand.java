package dev.plrd.cli;

import dev.plrd.api.StageOutputs;
import dev.plrd.model.AtomicFiles;
import dev.plrd.plan.WorkerContract.Flags;
import dev.plrd.plan.WorkerContract;
import dev.plrd.transport.TransportException;
import dev.plrd.transport.fetch.FetchResult;
import dev.plrd.transport.fetch.FetchSource;
import dev.plrd.transport.fetch.HubEndpoint;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd fetch hf://mistralai/Mistral-7B-v0.1 --to models/mistral-7b"},
        description = {"Fetch a model or dataset into the workspace cache, downloading only what the cache lacks.",
                "URI: hf://ORG/NAME[@REVISION] (a checkpoint: config, safetensors, tokenizer, model code),"
                        + " hf://datasets/ORG/NAME[@REVISION][#GLOB] (.jsonl, .jsonl.gz, .jsonl.zst, .txt, .bin and"
                        + " dataset.json; GLOB selects by repository path), s3://BUCKET/PREFIX[#GLOB] (a checkpoint when"
                        + " config.json lies directly under PREFIX, else dataset files), oci://REGISTRY/REPO:TAG or"
                        + " @sha256:DIGEST (a member published by plrd publish), https://HOST/PATH/FILE, or file://,"
                        + " pvc://CLAIM/PATH and paths, which are read in place.",
                "HF_TOKEN is sent to the Hub endpoint only (never to the CDN it redirects to). S3: AWS_ENDPOINT_URL for"
                        + " an S3-compatible store, AWS_REGION, and the AWS credentials (AWS_ACCESS_KEY_ID and"
                        + " AWS_SECRET_ACCESS_KEY, web identity, profile). Registries: $DOCKER_CONFIG/config.json."})
public class FetchCommand extends StageCommand {
    @Parameters(index = "0", paramLabel = "URI", description = "What to fetch.")
    String uri;

    @Option(names = Flags.TO, paramLabel = "DIR",
            description = "Also place the files here at their repository paths (hard links into the cache where the"
                    + " volume allows, else copies), made whole under a temporary name and renamed. Without it the"
                    + " result names the cache's snapshot directory.")
    Path to;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "The content-addressed cache (default: $" + WorkerContract.WORKSPACE_ENV + "/cache, else "
                    + "$XDG_CACHE_HOME/plrd or ~/.cache/plrd), shared with the stages.")
    Path cache;

    @Option(names = "--hub-endpoint", paramLabel = "URL",
            description = "The Hugging Face Hub or a mirror (default: $HF_ENDPOINT, else " + HubEndpoint.DEFAULT + ").")
    URI hubEndpoint;

    @Option(names = Flags.PLAIN_HTTP, description = "Talk plain HTTP to an oci:// registry instead of HTTPS.")
    boolean plainHttp;

    @Option(names = "--pinned",
            description = "Use the commit that the cache recorded for a Hub revision (a branch name) when it first"
                    + " resolved it, instead of asking the Hub: every stage of a family then sees the same commit even"
                    + " if the branch moves. Default: ask the Hub, and record its answer.")
    boolean pinned;

    /** The stage result of a fetch: what every stage reports, and what the fetch resolved and moved. */
    static final class FetchOutputs extends StageOutputs {
        public Integer files;
        public Long bytes;
        /** Bytes this run downloaded: 0 when the cache had everything. */
        public Long downloaded;
    }

    @Override
    StageOutputs run() throws Exception {
        long started = System.nanoTime();
        FetchSource source;
        try {
            source = FetchSource.parse(uri);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
        Map<String, String> env = new HashMap<>(environment);
        if (hubEndpoint != null) {
            env.put("HF_ENDPOINT", hubEndpoint.toString());
        }
        // a permanent TransportException (404, 401, a digest mismatch) is invalid input: StageCommand maps it
        FetchResult fetched = StageInputs.fetcher(env, cacheDirectory(), plainHttp, pinned).fetch(source);
        Path location = to == null ? fetched.location() : place(fetched.location());
        double seconds = (System.nanoTime() - started) / 1e9;
        System.err.printf(Locale.ROOT, "fetch: %s%s: %d file%s, %,d bytes (%,d downloaded) in %.1f s -> %s%n", uri,
                fetched.revision() == null ? "" : " at " + fetched.revision(), fetched.files(),
                fetched.files() == 1 ? "" : "s", fetched.bytes(), fetched.downloaded(), seconds, location);
        FetchOutputs out = new FetchOutputs();
        out.uri = location.toAbsolutePath().toString();
        out.revision = fetched.revision();
        out.files = fetched.files();
        out.bytes = fetched.bytes();
        out.downloaded = fetched.downloaded();
        out.seconds = round(seconds, 1);
        return out;
    }

    private Path cacheDirectory() {
        if (cache != null) {
            return cache;
        }
        return StageInputs.cacheDirectory(environment);
    }

    /**
     * Puts the fetched files under --to. A --to that already holds exactly these files (a retried stage whose
     * first attempt got this far) is left as it is; one that holds anything else is refused, never replaced.
     */
    private Path place(Path location) throws InvalidInput, IOException {
        List<Path> files = regularFiles(location);
        Path base = Files.isDirectory(location) ? location : location.getParent();
        if (Files.exists(to)) {
            if (!Files.isDirectory(to)) {
                throw new InvalidInput(Flags.TO + " " + to + ": is a file, not a directory");
            }
            if (regularFiles(to).size() == files.size() && holdsAll(base, files)) {
                return to;
            }
            if (!regularFiles(to).isEmpty()) {
                throw new InvalidInput(Flags.TO + " " + to + ": exists and holds other files; refusing to replace it");
            }
        }
        Files.createDirectories(to.toAbsolutePath().getParent());
        AtomicFiles.deleteStaleSiblings(to);
        Path temp = AtomicFiles.createTempDirectory(to);
        try {
            for (Path f : files) {
                Path target = temp.resolve(base.relativize(f).toString());
                Files.createDirectories(target.getParent());
                try {
                    Files.createLink(target, f);
                } catch (UnsupportedOperationException | FileSystemException e) {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            Files.deleteIfExists(to);
            AtomicFiles.moveAtomically(temp, to);
        } finally {
            AtomicFiles.deleteRecursively(temp);
        }
        return to;
    }

    private boolean holdsAll(Path base, List<Path> files) throws IOException {
        for (Path f : files) {
            Path there = to.resolve(base.relativize(f).toString());
            if (!Files.isRegularFile(there) || Files.mismatch(f, there) != -1) {
                return false;
            }
        }
        return true;
    }

    private static List<Path> regularFiles(Path location) throws IOException {
        try (Stream<Path> walk = Files.walk(location)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
