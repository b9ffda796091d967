package dev.plrd.transport.fetch;

import dev.plrd.transport.Retry;
import dev.plrd.transport.modelpack.ModelPackPuller;
import dev.plrd.transport.oci.ArtifactStore;
import dev.plrd.transport.oci.ArtifactStores;
import dev.plrd.transport.oci.OciReference;
import dev.plrd.transport.TransportException;
import dev.plrd.transport.fetch.FetchSource.HubRepo;
import dev.plrd.transport.fetch.FetchSource.LocalFiles;
import dev.plrd.transport.fetch.FetchSource.OciArtifact;
import dev.plrd.transport.fetch.FetchSource.S3Objects;
import dev.plrd.transport.fetch.FetchSource.WebFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Brings a model or dataset into the content-addressed cache, or finds it in place. The cache
 * (the workspace's {@code cache/} in a stage pod):
 * <pre>
 * models/ORG--NAME/refs/REVISION          the commit sha that REVISION (URL-encoded) last resolved to
 * models/ORG--NAME/blobs/HEX              a Hub file, named by its sha256 (LFS) or git blob id
 * models/ORG--NAME/snapshots/SHA/PATH     the files of commit SHA at their repository paths (hard links)
 * datasets/ORG--NAME/...                  the same for dataset repositories; SHA.GLOBKEY for a #GLOB
 * urls/KEY/download, urls/KEY/file/NAME   an https:// file, KEY the sha256 of its URL
 * s3/BUCKET/blobs/KEY                     an S3 object, KEY the sha256 of its key, ETag and size: a changed
 *                                         object is a new blob, an unchanged one is never fetched again
 * s3/BUCKET/snapshots/KEY/PATH            the selected objects of a prefix, KEY the sha256 of their listing
 * oci/REGISTRY/REPO/sha256-HEX/PATH       a ModelPack member pulled by its manifest digest
 * </pre>
 * A snapshot exists only once complete, so a retried or resumed stage, or another stage reading
 * the same base, downloads nothing; a revision given as a commit sha whose snapshot exists needs
 * no network at all. With {@code pinRevisions}, a revision whose ref is recorded is not asked of the Hub
 * again: every stage of a family sees the commit its branch name had when the workspace first fetched it.
 */
public final class Fetcher {
    /** S3 objects come in chunks of this size, this many at once: enough to fill a link that one stream cannot. */
    private static final long S3_CHUNK_BYTES = 32L << 20;
    private static final int S3_PARALLELISM = 8;

    private final Path cache;
    private final HubEndpoint hub;
    private final Retry retry;
    private final TransferProgress progress;
    private final boolean pinRevisions;
    private final Supplier<S3Endpoint> s3;
    private final boolean plainHttpRegistries;

    /**
     * A fetcher that reaches S3 as the environment says ({@link S3Endpoint#fromEnvironment}, read at the first
     * s3:// fetch) and registries over HTTPS.
     *
     * @param pinRevisions use the commit recorded for a Hub revision instead of asking the Hub (false: ask, and
     *                     record the answer)
     */
    public Fetcher(Path cache, HubEndpoint hub, Retry retry, TransferProgress progress, boolean pinRevisions) {
        this(cache, hub, () -> S3Endpoint.fromEnvironment(System.getenv()), false, retry, progress, pinRevisions);
    }

    /**
     * @param s3                  how to reach S3, asked at the first s3:// fetch only: a fetch of anything else needs
     *                            no S3 settings; an {@link IllegalArgumentException} from it is a permanent failure
     * @param plainHttpRegistries talk plain HTTP to oci:// registries (one inside the cluster or on 127.0.0.1)
     */
    public Fetcher(Path cache, HubEndpoint hub, Supplier<S3Endpoint> s3, boolean plainHttpRegistries, Retry retry,
            TransferProgress progress, boolean pinRevisions) {
        this.cache = cache;
        this.hub = hub;
        this.s3 = s3;
        this.plainHttpRegistries = plainHttpRegistries;
        this.retry = retry;
        this.progress = progress;
        this.pinRevisions = pinRevisions;
    }

    public FetchResult fetch(FetchSource source) throws IOException {
        if (source instanceof HubRepo repo) {
            return hub(repo);
        }
        if (source instanceof WebFile file) {
            return web(file);
        }
        if (source instanceof S3Objects objects) {
            return s3(objects);
        }
        if (source instanceof OciArtifact artifact) {
            return oci(artifact);
        }
        return local((LocalFiles) source);
    }

    private FetchResult hub(HubRepo repo) throws IOException {
        Path root = cache.resolve(repo.type()).resolve(repo.repo().replace("/", "--"));
        if (repo.revision().matches("[0-9a-f]{40}")) {
            Path pinned = snapshot(root, repo, repo.revision());
            if (Files.isDirectory(pinned)) {
                return summary(repo.uri(), pinned, repo.revision(), 0);
            }
        }
        HubApi api = new HubApi(hub, retry);
        String sha = pinRevisions ? RevisionRefs.recorded(root, repo.revision()).orElse(null) : null;
        if (sha == null) {
            sha = resolve(api, root, repo);
        }
        return hubSnapshot(api, root, repo, sha);
    }

    private static String resolve(HubApi api, Path root, HubRepo repo) throws IOException {
        String sha = api.resolve(repo);
        RevisionRefs.record(root, repo.revision(), sha);
        return sha;
    }

    /** The snapshot of commit sha, downloading the files that the cache lacks. */
    private FetchResult hubSnapshot(HubApi api, Path root, HubRepo repo, String sha) throws IOException {
        Path snapshot = snapshot(root, repo, sha);
        if (Files.isDirectory(snapshot)) {
            return summary(repo.uri(), snapshot, sha, 0);
        }
        List<RemoteFile> files = FileSelection.select(repo, sha, api.files(repo, sha));
        Map<String, Path> blobs = new LinkedHashMap<>();
        long downloaded = 0;
        for (RemoteFile f : files) {
            Path blob = root.resolve("blobs").resolve(f.digest().hex());
            String name = repo.uri() + " " + f.path();
            boolean fetched = BlobStore.obtain(blob, name, f.digest(), partial -> {
                progress.start(f.path(), f.size());
                HttpTransfer.Downloaded d = api.http().download(api.download(repo, sha, f.path()), partial, f.size(),
                        null, f.digest(), name, progress);
                progress.finish();
                return d.digest();
            });
            downloaded += fetched ? f.size() : 0;
            blobs.put(f.path(), blob);
        }
        Snapshot.create(blobs, snapshot);
        return summary(repo.uri(), snapshot, sha, downloaded);
    }

    private static Path snapshot(Path root, HubRepo repo, String sha) {
        String name = repo.glob() == null ? sha : sha + "." + ContentDigest.sha256Of(repo.glob()).substring(0, 16);
        return root.resolve("snapshots").resolve(name);
    }

    /**
     * One file over HTTP(S). Without a digest to check, the size the server announces is checked, and
     * a partial file is resumed only under {@code If-Range} with the ETag of the response that began it,
     * so that a file changed in between is downloaded again whole.
     */
    private FetchResult web(WebFile file) throws IOException {
        Path root = cache.resolve("urls").resolve(ContentDigest.sha256Of(file.uri()));
        Path snapshot = root.resolve("file");
        if (Files.isDirectory(snapshot)) {
            return summary(file.uri(), snapshot, null, 0);
        }
        HttpTransfer http = new HttpTransfer(null, null, retry);
        Path download = root.resolve("download");
        Path etag = root.resolve("download.etag");
        long[] size = {0};
        boolean fetched = BlobStore.obtain(download, file.uri(), null, partial -> {
            String known = Files.exists(etag) && Files.exists(partial) ? Files.readString(etag) : null;
            if (known == null) {
                Files.deleteIfExists(partial);
            }
            progress.start(file.fileName(), -1);
            HttpTransfer.Downloaded d = http.download(file.location(), partial, -1, known, null, file.uri(), progress);
            progress.finish();
            if (d.etag() != null) {
                Files.writeString(etag, d.etag());
            }
            size[0] = d.size();
            return null;
        });
        Snapshot.create(Map.of(file.fileName(), download), snapshot);
        return summary(file.uri(), snapshot, null, fetched ? size[0] : 0);
    }

    /**
     * The objects under an S3 prefix that a checkpoint (config.json at the top) or a dataset needs, chunks of each
     * fetched in parallel. The listing is asked every time (it is one request per thousand objects); the
     * objects only when their key, ETag and size are new to the cache.
     */
    private FetchResult s3(S3Objects source) throws IOException {
        Path root = cache.resolve("s3").resolve(source.bucket());
        S3Endpoint endpoint;
        try {
            endpoint = s3.get();
        } catch (IllegalArgumentException e) {
            throw new TransportException(source.uri() + ": " + e.getMessage(), true, e);
        }
        try (S3Client client = endpoint.client()) {
            S3Api api = new S3Api(client, retry, source.uri());
            List<S3Api.Listed> listed = api.list(source.bucket(), source.prefix());
            if (listed.isEmpty()) {
                throw new TransportException(source.uri() + ": no objects under this prefix (HTTP 200 with an empty"
                        + " listing from " + endpoint + ")", true);
            }
            boolean dataset = source.glob() != null || listed.stream().noneMatch(o -> o.path().equals("config.json"));
            List<String> chosen = FileSelection.select(source.uri(), "the prefix", dataset, source.glob(),
                    listed.stream().map(S3Api.Listed::path).toList());
            StringBuilder listing = new StringBuilder();
            Map<String, S3Api.Listed> objects = new LinkedHashMap<>();
            for (S3Api.Listed o : listed) {
                if (chosen.contains(o.path())) {
                    objects.put(o.path(), o);
                    listing.append(o.path()).append('\0').append(blobKey(o)).append('\n');
                }
            }
            Path snapshot = root.resolve("snapshots").resolve(ContentDigest.sha256Of(listing.toString()));
            if (Files.isDirectory(snapshot)) {
                return summary(source.uri(), snapshot, null, 0);
            }
            S3Download download = new S3Download(api, S3_CHUNK_BYTES, S3_PARALLELISM);
            Map<String, Path> blobs = new LinkedHashMap<>();
            long downloaded = 0;
            for (S3Api.Listed o : objects.values()) {
                Path blob = root.resolve("blobs").resolve(blobKey(o));
                String name = "s3://" + source.bucket() + "/" + o.key();
                boolean fetched = BlobStore.obtain(blob, name, null, partial -> {
                    download.into(partial, source.bucket(), o, name, progress);
                    return null;
                });
                downloaded += fetched ? o.size() : 0;
                blobs.put(o.path(), blob);
            }
            Snapshot.create(blobs, snapshot);
            return summary(source.uri(), snapshot, null, downloaded);
        }
    }

    private static String blobKey(S3Api.Listed object) {
        return ContentDigest.sha256Of(object.key() + "\0" + object.etag() + "\0" + object.size());
    }

    /**
     * A member published by this project, pulled by its manifest digest (a tag is resolved to one first) with
     * every layer verified; a digest the cache holds needs nothing from the registry, a tag one manifest request.
     */
    private FetchResult oci(OciArtifact artifact) throws IOException {
        OciReference reference = artifact.reference();
        Path root = cache.resolve("oci").resolve(reference.registry().replace(':', '_')).resolve(reference.repository());
        if (reference.digest() != null && Files.isDirectory(member(root, reference.digest()))) {
            return summary(artifact.uri(), member(root, reference.digest()), reference.digest(), 0);
        }
        try (ArtifactStore store = ArtifactStores.open(reference, new ArtifactStores.Options(plainHttpRegistries))) {
            String digest = reference.digest() != null ? reference.digest() : store.getManifest(reference.tag())
                    .orElseThrow(() -> new TransportException(artifact.uri() + ": no such artifact (HTTP 404)", true))
                    .digest();
            Path member = member(root, digest);
            if (Files.isDirectory(member)) {
                return summary(artifact.uri(), member, digest, 0);
            }
            ModelPackPuller.Pulled pulled = ModelPackPuller.pull(store, digest, artifact.uri(), member);
            return summary(artifact.uri(), member, pulled.digest(), pulled.bytes());
        }
    }

    private static Path member(Path root, String digest) {
        return root.resolve(digest.replace(':', '-'));
    }

    private static FetchResult local(LocalFiles local) throws IOException {
        if (!Files.exists(local.path())) {
            throw new TransportException(local.uri() + ": no such file or directory (" + local.path() + ")", true);
        }
        return summary(local.uri(), local.path(), null, 0);
    }

    private static FetchResult summary(String uri, Path location, String revision, long downloaded) throws IOException {
        int count = 0;
        long bytes = 0;
        try (Stream<Path> walk = Files.walk(location)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                count++;
                bytes += Files.size(p);
            }
        }
        return new FetchResult(uri, location, revision, count, bytes, downloaded);
    }
}
