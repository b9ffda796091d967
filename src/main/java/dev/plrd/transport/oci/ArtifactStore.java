package dev.plrd.transport.oci;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where OCI artifacts are kept: a repository in a registry (distribution API) or an OCI image
 * layout directory. Publishing and pulling are written once against this, so that a family
 * published to a registry and one published to a local layout directory is the same artifact.
 * Blobs are content-addressed and streamed from and to files, never held whole in memory.
 */
public interface ArtifactStore extends AutoCloseable {
    /** A manifest as stored: its media type, its digest, and its exact bytes. */
    record StoredManifest(String mediaType, String digest, byte[] bytes) {
    }

    /** Whether the store already holds the blob (so that an upload can be skipped). */
    boolean hasBlob(Descriptor blob) throws IOException;

    /** Stores the file's bytes as the blob; the digest and size are verified before the blob becomes visible. */
    void putBlob(Descriptor blob, Path file) throws IOException;

    /** Writes the blob's bytes to {@code to} (through a temporary file), verified against its digest and size. */
    void getBlob(Descriptor blob, Path to) throws IOException;

    /** Stores the manifest and points {@code tag} at it; returns the manifest's digest. */
    String putManifest(String tag, String mediaType, byte[] manifest) throws IOException;

    /** The manifest a tag or a {@code sha256:} digest names, or empty when there is none. */
    Optional<StoredManifest> getManifest(String reference) throws IOException;

    @Override
    void close() throws IOException;
}
