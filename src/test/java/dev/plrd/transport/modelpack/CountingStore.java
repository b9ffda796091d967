package dev.plrd.transport.modelpack;

import dev.plrd.transport.oci.ArtifactStore;
import dev.plrd.transport.oci.Descriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A store that counts what is written through it, so that a test sees an upload that should not happen,
 * and that can fail like a connection lost in the middle of a publish.
 */
final class CountingStore implements ArtifactStore {
    private final ArtifactStore inner;
    private final int blobsBeforeFailure;
    int blobsPut;
    int manifestsPut;

    CountingStore(ArtifactStore inner) {
        this(inner, Integer.MAX_VALUE);
    }

    /** Stores blobsBeforeFailure blobs, then fails every further write. */
    CountingStore(ArtifactStore inner, int blobsBeforeFailure) {
        this.inner = inner;
        this.blobsBeforeFailure = blobsBeforeFailure;
    }

    @Override
    public boolean hasBlob(Descriptor blob) throws IOException {
        return inner.hasBlob(blob);
    }

    @Override
    public void putBlob(Descriptor blob, Path file) throws IOException {
        if (blobsPut >= blobsBeforeFailure) {
            throw new IOException("connection reset (a failure the test injects)");
        }
        blobsPut++;
        inner.putBlob(blob, file);
    }

    @Override
    public void getBlob(Descriptor blob, Path to) throws IOException {
        inner.getBlob(blob, to);
    }

    @Override
    public String putManifest(String tag, String mediaType, byte[] manifest) throws IOException {
        if (blobsPut >= blobsBeforeFailure) {
            throw new IOException("connection reset (a failure the test injects)");
        }
        manifestsPut++;
        return inner.putManifest(tag, mediaType, manifest);
    }

    @Override
    public Optional<StoredManifest> getManifest(String reference) throws IOException {
        return inner.getManifest(reference);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
