package dev.plrd.transport.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.model.AtomicFiles;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An OCI image layout directory (image-spec v1.1 {@code image-layout.md}): an {@code oci-layout} file,
 * {@code index.json} whose manifests carry their tag as {@code org.opencontainers.image.ref.name}, and
 * {@code blobs/sha256/<hex>}. It is the publish target and pull source of machines without a registry and of
 * air-gapped users, and standard tools (skopeo {@code oci:DIR:TAG}, oras {@code --oci-layout}) read it.
 *
 * <p>Every file appears under its real name only when complete (temporary sibling, then rename), a
 * blob only once its bytes match its digest, and every read is checked against its digest, so a
 * truncated or tampered blob is refused rather than restored.
 */
public final class OciLayoutStore implements ArtifactStore {
    public static final String LAYOUT_FILE = "oci-layout";
    public static final String INDEX_FILE = "index.json";
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    static final String LAYOUT_VERSION = "1.0.0";
    static final String INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";
    /** Held while index.json is read, changed and replaced, so that publishers of different tags keep each other's entries. */
    private static final String LOCK_FILE = ".index.json.lock";
    /** A file lock belongs to the process: threads of one JVM also queue on this, per layout. */
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Registries refuse larger manifests (distribution's limit); a larger "manifest" is not read into memory. */
    private static final long MAX_MANIFEST_BYTES = 4 << 20;

    private final Path root;

    private OciLayoutStore(Path root) {
        this.root = root;
    }

    /** Opens the layout at root, creating an empty one where there is none (or an empty directory). */
    public static OciLayoutStore open(Path root) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new TransportException(absolute + ": is a file, not an OCI image layout directory", true);
        }
        Path layoutFile = absolute.resolve(LAYOUT_FILE);
        if (Files.exists(layoutFile)) {
            JsonNode layout = readJson(layoutFile);
            if (!LAYOUT_VERSION.equals(layout.path("imageLayoutVersion").asText())) {
                throw new TransportException(layoutFile + ": imageLayoutVersion " + layout.path("imageLayoutVersion")
                        + " is not supported; expected \"" + LAYOUT_VERSION + "\"", true);
            }
        } else {
            if (Files.isDirectory(absolute)) {
                try (var entries = Files.list(absolute)) {
                    if (entries.findAny().isPresent()) {
                        throw new TransportException(absolute + ": not an OCI image layout (no " + LAYOUT_FILE
                                + " file) and not empty; refusing to write a layout into it", true);
                    }
                }
            }
            Files.createDirectories(absolute);
            AtomicFiles.writeAtomically(layoutFile,
                    JSON.writeValueAsBytes(JSON.createObjectNode().put("imageLayoutVersion", LAYOUT_VERSION)));
        }
        Files.createDirectories(absolute.resolve("blobs").resolve("sha256"));
        OciLayoutStore store = new OciLayoutStore(absolute);
        if (!Files.exists(store.index())) {
            store.withIndexLock(() -> {
                if (!Files.exists(store.index())) {
                    store.writeIndex(emptyIndex());
                }
            });
        }
        return store;
    }

    @Override
    public boolean hasBlob(Descriptor blob) throws IOException {
        Path file = blobFile(blob.digest());
        return Files.isRegularFile(file) && Files.size(file) == blob.size();
    }

    @Override
    public void putBlob(Descriptor blob, Path file) throws IOException {
        // a file that no longer matches the digest it was hashed to has changed since: a retry hashes it afresh
        copyVerified(file, blobFile(blob.digest()), blob, copied -> new TransportException(file + ": does not match its"
                + " descriptor: expected " + blob.digest() + " (" + blob.size() + " bytes), read " + copied.digest()
                + " (" + copied.size() + " bytes)", false));
    }

    @Override
    public void getBlob(Descriptor blob, Path to) throws IOException {
        Path source = blobFile(blob.digest());
        if (!Files.isRegularFile(source)) {
            throw new TransportException(root + ": blob " + blob.digest() + " is missing", true);
        }
        copyVerified(source, to.toAbsolutePath(), blob, copied -> new TransportException(root + ": blob " + blob.digest()
                + " is corrupt: its " + copied.size() + " bytes hash to " + copied.digest() + " (expected " + blob.size()
                + " bytes)", true));
    }

    private interface Mismatch {
        TransportException describe(Sha256.Copied copied);
    }

    /** Streams from into a temporary sibling of to, hashing; renames it onto to only when digest and size match. */
    private static void copyVerified(Path from, Path to, Descriptor blob, Mismatch mismatch) throws IOException {
        Path temp = AtomicFiles.createTempFile(to);
        try {
            Sha256.Copied copied;
            try (InputStream in = Files.newInputStream(from); OutputStream out = Files.newOutputStream(temp)) {
                copied = Sha256.copy(in, out);
            }
            if (!copied.digest().equals(blob.digest()) || copied.size() != blob.size()) {
                throw mismatch.describe(copied);
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            AtomicFiles.moveAtomically(temp, to);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public String putManifest(String tag, String mediaType, byte[] manifest) throws IOException {
        String digest = Sha256.of(manifest);
        Path target = blobFile(digest);
        if (!Files.isRegularFile(target) || Files.size(target) != manifest.length) {
            AtomicFiles.writeAtomically(target, manifest);
        }
        String artifactType = JSON.readTree(manifest).path("artifactType").asText(null);
        withIndexLock(() -> {
            ObjectNode index = readIndex();
            ArrayNode kept = JSON.createArrayNode();
            for (JsonNode entry : index.withArray("manifests")) {
                if (!tag.equals(entry.path("annotations").path(REF_NAME).asText(null))) {
                    kept.add(entry);
                }
            }
            ObjectNode entry = kept.addObject().put("mediaType", mediaType).put("digest", digest)
                    .put("size", manifest.length);
            if (artifactType != null) {
                entry.put("artifactType", artifactType);
            }
            entry.putObject("annotations").put(REF_NAME, tag);
            index.set("manifests", kept);
            writeIndex(index);
        });
        return digest;
    }

    @Override
    public Optional<StoredManifest> getManifest(String reference) throws IOException {
        String mediaType = null;
        String digest = reference;
        Long size = null;
        if (!reference.startsWith("sha256:")) {
            Optional<JsonNode> entry = Optional.empty();
            for (JsonNode candidate : readIndex().withArray("manifests")) {
                if (reference.equals(candidate.path("annotations").path(REF_NAME).asText(null))) {
                    entry = Optional.of(candidate);
                }
            }
            if (entry.isEmpty()) {
                return Optional.empty();
            }
            mediaType = entry.get().path("mediaType").asText(null);
            digest = entry.get().path("digest").asText(null);
            size = entry.get().path("size").asLong();
        }
        Path file;
        try {
            file = blobFile(digest);
        } catch (IllegalArgumentException e) {
            throw new TransportException(index() + ": the entry for " + reference + " has " + e.getMessage(), true);
        }
        if (!Files.isRegularFile(file)) {
            if (size == null) {
                return Optional.empty();
            }
            throw new TransportException(root + ": manifest " + digest + " of tag " + reference + " is missing", true);
        }
        if (Files.size(file) > MAX_MANIFEST_BYTES) {
            throw new TransportException(root + ": manifest " + digest + " is " + Files.size(file) + " bytes, more than"
                    + " the " + MAX_MANIFEST_BYTES + " a manifest may have", true);
        }
        byte[] bytes = Files.readAllBytes(file);
        String actual = Sha256.of(bytes);
        if (!actual.equals(digest) || (size != null && size != bytes.length)) {
            throw new TransportException(root + ": manifest " + digest + " is corrupt: its " + bytes.length
                    + " bytes hash to " + actual, true);
        }
        if (mediaType == null) {
            mediaType = JSON.readTree(bytes).path("mediaType").asText(null);
        }
        return Optional.of(new StoredManifest(mediaType, digest, bytes));
    }

    @Override
    public void close() {
    }

    Path blobFile(String digest) {
        return root.resolve("blobs").resolve("sha256").resolve(Sha256.hex(digest));
    }

    private Path index() {
        return root.resolve(INDEX_FILE);
    }

    private ObjectNode readIndex() throws IOException {
        JsonNode index = readJson(index());
        if (!(index instanceof ObjectNode object) || !index.path("manifests").isArray()) {
            throw new TransportException(index() + ": not an OCI image index (expected an object with a \"manifests\" array)", true);
        }
        return object;
    }

    private void writeIndex(ObjectNode index) throws IOException {
        AtomicFiles.writeAtomically(index(), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
    }

    private static ObjectNode emptyIndex() {
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", INDEX_MEDIA_TYPE);
        index.putArray("manifests");
        return index;
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new TransportException(file + ": not valid JSON: " + e.getMessage(), true, e);
        }
    }

    private interface IndexChange {
        void apply() throws IOException;
    }

    /** Runs change holding both the in-process lock and the lock file of this layout. */
    private void withIndexLock(IndexChange change) throws IOException {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(root, r -> new ReentrantLock());
        local.lock();
        try (FileChannel channel = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
            change.apply();
        } finally {
            local.unlock();
        }
    }
}
