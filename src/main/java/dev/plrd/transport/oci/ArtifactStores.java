package dev.plrd.transport.oci;

import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.nio.file.Path;

/** The one place that turns a reference into the store that holds it. */
public final class ArtifactStores {
    private ArtifactStores() {
    }

    /**
     * How to reach a registry.
     *
     * @param plainHttp talk HTTP instead of HTTPS (a registry inside the cluster or on 127.0.0.1)
     */
    public record Options(boolean plainHttp) {
    }

    /** The store of reference: its layout directory, or its registry repository. */
    public static ArtifactStore open(OciReference reference, Options options) throws IOException {
        if (reference.layout()) {
            return OciLayoutStore.open(Path.of(reference.repository()));
        }
        throw new TransportException(reference + ": publishing to and pulling from a registry is not available in this"
                + " build; use an oci-layout://PATH:TAG reference", true);
    }
}
