package dev.plrd.transport.oci;

import dev.plrd.model.AtomicFiles;
import dev.plrd.transport.Retry;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A repository in an OCI registry, through the distribution API v2. Blobs already there are not sent
 * again (HEAD first); a blob up to the chunk size goes in one PUT streamed from its file, a larger one
 * in PATCH chunks of that size, its sha256 computed as it is sent and checked before the closing PUT.
 * With {@link Settings#mountFrom()}, an upload first asks the registry to mount the blob from another
 * repository (cross-repository mount), which costs no more requests when the blob is not there.
 * Every operation is retried as a whole by {@link Retry}, so an upload cut off half-way starts
 * a new upload session rather than trusting the old one. Downloads go to a temporary file, verified
 * against the digest and size before they are renamed into place.
 */
public final class RegistryStore implements ArtifactStore {
    /** Blobs above this go in PATCH chunks of this size. */
    public static final long DEFAULT_CHUNK_SIZE = 64L << 20;
    /** What a manifest GET accepts: OCI manifests and indexes, and their Docker predecessors. */
    static final List<String> MANIFEST_TYPES = List.of("application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
    /** Registries must accept manifests of 4 MiB; none of ours comes near it. */
    private static final int MANIFEST_LIMIT = 4 << 20;
    private static final int BUFFER = 1 << 16;

    /**
     * How the store talks to the registry.
     *
     * @param plainHttp   http:// instead of https:// (a registry on the local host or inside the cluster)
     * @param chunkSize   bytes per PATCH of a blob larger than this
     * @param retry       how failures that may pass are retried
     * @param credentials what to answer the registry's challenges with
     * @param mountFrom   a repository of the same registry (the base's, for the first member) whose blobs an upload
     *                    asks to mount instead of sending their bytes; null for none
     */
    public record Settings(boolean plainHttp, long chunkSize, Retry retry, RegistryCredentials credentials,
            String mountFrom) {
        public Settings {
            if (chunkSize < 1) {
                throw new IllegalArgumentException("chunk size must be positive, not " + chunkSize);
            }
            if (mountFrom != null && !mountFrom.matches(OciReference.REPOSITORY)) {
                throw new IllegalArgumentException("repository to mount from " + mountFrom
                        + ": expected lower-case path components such as org/family");
            }
        }

        public Settings(boolean plainHttp, long chunkSize, Retry retry, RegistryCredentials credentials) {
            this(plainHttp, chunkSize, retry, credentials, null);
        }

        public static Settings of(boolean plainHttp, RegistryCredentials credentials) {
            return new Settings(plainHttp, DEFAULT_CHUNK_SIZE, Retry.DEFAULT, credentials);
        }

        /** These settings, with uploads asking first to mount blobs from {@code repository}. */
        public Settings mountingFrom(String repository) {
            return new Settings(plainHttp, chunkSize, retry, credentials, repository);
        }
    }

    private final RegistryHttp http;
    private final Settings settings;

    public RegistryStore(String registry, String repository, Settings settings) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
        this.http = new RegistryHttp(client, settings.plainHttp(), registry, repository,
                new RegistryAuth(client, settings.credentials(), registry, repository));
        this.settings = settings;
    }

    @Override
    public boolean hasBlob(Descriptor blob) throws IOException {
        String what = "check of blob " + blob.digest();
        return settings.retry().run(what, () -> {
            HttpResponse<InputStream> response = http.send(request("blobs/" + blob.digest())
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()), false, what);
            RegistryHttp.discard(response);
            return switch (response.statusCode()) {
                case 200 -> true;
                case 404 -> false;
                default -> throw http.failure(response, what);
            };
        });
    }

    @Override
    public void putBlob(Descriptor blob, Path file) throws IOException {
        long size = Files.isRegularFile(file) ? Files.size(file) : -1;
        if (size != blob.size()) {
            throw new TransportException(file + (size < 0 ? " is not a file" : " has " + size + " bytes")
                    + ", but its descriptor " + blob.digest() + " says " + blob.size(), true);
        }
        if (hasBlob(blob)) {
            return;
        }
        String what = "upload of blob " + blob.digest() + " from " + file;
        settings.retry().run(what, () -> {
            upload(blob, file, what);
            return null;
        });
    }

    private void upload(Descriptor blob, Path file, String what) throws IOException {
        String mount = settings.mountFrom() == null ? "" : "?mount=" + blob.digest().replace(":", "%3A")
                + "&from=" + settings.mountFrom();
        HttpResponse<InputStream> started = http.send(request("blobs/uploads/" + mount)
                .POST(HttpRequest.BodyPublishers.noBody()), true, what);
        if (!mount.isEmpty() && started.statusCode() == 201) {
            // mounted: the registry linked the other repository's blob, no bytes need to travel
            RegistryHttp.discard(started);
            checkDigestHeader(started, blob.digest(), what);
            return;
        }
        // a registry that cannot mount (no such blob there, or no mount support) opens an upload session instead
        URI location = sessionOf(expect(started, 202, what), what);
        HttpResponse<InputStream> done = blob.size() <= settings.chunkSize() ? sendWhole(blob, file, location, what)
                : sendInChunks(blob, file, location, what);
        expect(done, 201, what);
        checkDigestHeader(done, blob.digest(), what);
    }

    /** One PUT streamed from the file; the registry checks the digest before it keeps the blob. */
    private HttpResponse<InputStream> sendWhole(Descriptor blob, Path file, URI location, String what) throws IOException {
        return http.send(HttpRequest.newBuilder(withDigest(location, blob.digest()))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofFile(file)), true, what);
    }

    /** PATCHes of the chunk size, digested as they go; the closing PUT only when the digest is the descriptor's. */
    private HttpResponse<InputStream> sendInChunks(Descriptor blob, Path file, URI location, String what)
            throws IOException {
        MessageDigest digest = Sha256.newDigest();
        for (long offset = 0; offset < blob.size(); offset += settings.chunkSize()) {
            long length = Math.min(settings.chunkSize(), blob.size() - offset);
            RegistryChunk chunk = new RegistryChunk(file, offset, length, digest);
            HttpResponse<InputStream> patched = http.send(HttpRequest.newBuilder(location)
                    .header("Content-Type", "application/octet-stream")
                    .header("Content-Range", offset + "-" + (offset + length - 1))
                    .method("PATCH", chunk.body()), true, what);
            location = sessionOf(expect(patched, 202, what), what);
            digest = chunk.digestAfter();
        }
        String sent = Sha256.format(digest.digest());
        if (!sent.equals(blob.digest())) {
            abandon(location, what);
            throw new TransportException(file + " has digest " + sent + ", not " + blob.digest()
                    + " as its descriptor says; nothing was stored in repository " + http.repository(), true);
        }
        return http.send(HttpRequest.newBuilder(withDigest(location, blob.digest()))
                .PUT(HttpRequest.BodyPublishers.noBody()), true, what);
    }

    /** Ends an upload session whose bytes will not be committed; the registry would expire it anyway. */
    private void abandon(URI location, String what) {
        try {
            RegistryHttp.discard(http.send(HttpRequest.newBuilder(location).DELETE(), true, what));
        } catch (IOException e) {
            // the registry drops unfinished uploads on its own
        }
    }

    @Override
    public void getBlob(Descriptor blob, Path to) throws IOException {
        String what = "download of blob " + blob.digest();
        Files.createDirectories(to.toAbsolutePath().getParent());
        settings.retry().run(what, () -> {
            HttpResponse<InputStream> response = http.send(request("blobs/" + blob.digest()).GET(), false, what);
            if (response.statusCode() == 404) {
                RegistryHttp.discard(response);
                throw new TransportException("registry " + http.registry() + " has no blob " + blob.digest()
                        + " in repository " + http.repository() + ": " + RegistryHttp.statusLine(404), true);
            }
            if (response.statusCode() != 200) {
                throw http.failure(response, what);
            }
            Path part = AtomicFiles.createTempFile(to);
            try {
                receive(response.body(), part, blob, what);
                AtomicFiles.moveAtomically(part, to);
            } finally {
                Files.deleteIfExists(part);
            }
            return null;
        });
    }

    /** Copies the body to the file, failing on more bytes than the size or a digest that differs. */
    private void receive(InputStream body, Path part, Descriptor blob, String what) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        long received = 0;
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = body; OutputStream out = Files.newOutputStream(part)) {
            while (received <= blob.size()) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    throw new TransportException(what + " from registry " + http.registry() + " broke off after "
                            + received + " bytes: " + e.getClass().getSimpleName(), false, e);
                }
                if (n < 0) {
                    break;
                }
                received += n;
                digest.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        }
        String got = Sha256.format(digest.digest());
        if (received != blob.size() || !got.equals(blob.digest())) {
            throw new TransportException("blob " + blob.digest() + " (" + blob.size() + " bytes) from registry "
                    + http.registry() + " repository " + http.repository() + " arrived as "
                    + (received > blob.size() ? "more than " + blob.size() + " bytes" : received + " bytes with digest " + got)
                    + "; not kept", true);
        }
    }

    @Override
    public String putManifest(String tag, String mediaType, byte[] manifest) throws IOException {
        String digest = Sha256.of(manifest);
        if (!tag.matches(OciReference.TAG) && !tag.equals(digest)) {
            throw new IllegalArgumentException("manifest tag " + tag + ": expected up to 128 letters, digits, '_', '.'"
                    + " and '-' not starting with '.' or '-', or the manifest's own digest");
        }
        String what = "upload of manifest " + tag;
        return settings.retry().run(what, () -> {
            HttpResponse<InputStream> response = http.send(request("manifests/" + tag)
                    .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)), true, what);
            expect(response, 201, what);
            checkDigestHeader(response, digest, what);
            return digest;
        });
    }

    @Override
    public Optional<StoredManifest> getManifest(String reference) throws IOException {
        String what = "download of manifest " + reference;
        return settings.retry().run(what, () -> {
            HttpResponse<InputStream> response = http.send(request("manifests/" + reference)
                    .header("Accept", String.join(", ", MANIFEST_TYPES)).GET(), false, what);
            if (response.statusCode() == 404) {
                RegistryHttp.discard(response);
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                throw http.failure(response, what);
            }
            byte[] bytes;
            try (InputStream body = response.body()) {
                bytes = body.readNBytes(MANIFEST_LIMIT + 1);
            } catch (IOException e) {
                throw new TransportException(what + " from registry " + http.registry() + " broke off: "
                        + e.getClass().getSimpleName(), false, e);
            }
            if (bytes.length > MANIFEST_LIMIT) {
                throw new TransportException("manifest " + reference + " in repository " + http.repository()
                        + " of registry " + http.registry() + " is larger than " + MANIFEST_LIMIT + " bytes", true);
            }
            String digest = Sha256.of(bytes);
            if (reference.startsWith("sha256:") && !reference.equals(digest)) {
                throw new TransportException("manifest " + reference + " from registry " + http.registry()
                        + " repository " + http.repository() + " arrived with digest " + digest + "; not used", true);
            }
            checkDigestHeader(response, digest, what);
            String mediaType = response.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim())
                    .orElse(MANIFEST_TYPES.get(0));
            return Optional.of(new StoredManifest(mediaType, digest, bytes));
        });
    }

    @Override
    public void close() {
        // the JDK 17 HttpClient has nothing to close: its connections end with it
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(http.uri(path));
    }

    /** The answer's Location when its status is the one expected; otherwise the failure it stands for. */
    private URI expect(HttpResponse<InputStream> response, int status, String what) throws TransportException {
        if (response.statusCode() != status) {
            throw http.failure(response, what);
        }
        RegistryHttp.discard(response);
        return response.headers().firstValue("Location").map(http::resolve).orElse(null);
    }

    /** The upload session's next URL, which every answer in the session carries. */
    private URI sessionOf(URI location, String what) throws TransportException {
        if (location == null) {
            throw new TransportException("registry " + http.registry() + " answered " + what + " in repository "
                    + http.repository() + " without the upload session's Location", false);
        }
        return location;
    }

    private void checkDigestHeader(HttpResponse<InputStream> response, String digest, String what)
            throws TransportException {
        Optional<String> stored = response.headers().firstValue("Docker-Content-Digest");
        if (stored.isPresent() && !stored.get().equals(digest)) {
            throw new TransportException("registry " + http.registry() + " stored " + stored.get() + " for " + what
                    + " in repository " + http.repository() + ", not " + digest, true);
        }
    }

    private static URI withDigest(URI location, String digest) {
        String uri = location.toString();
        return URI.create(uri + (location.getRawQuery() == null ? "?" : "&") + "digest=" + digest.replace(":", "%3A"));
    }

}
