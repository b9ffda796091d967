package dev.plrd.transport.oci;

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
     * @param mountFrom an artifact whose blobs the registry may already hold in another repository
     *                  (the base, for the first member), or null
     */
    public record Options(boolean plainHttp, OciReference mountFrom) {
        public Options(boolean plainHttp) {
            this(plainHttp, null);
        }
    }

    /**
     * The store of reference: its layout directory, or its registry repository with the
     * credentials of {@code $DOCKER_CONFIG/config.json}. Uploads to a registry ask first to mount
     * blobs from {@code mountFrom}'s repository when it is another repository of the same registry.
     */
    public static ArtifactStore open(OciReference reference, Options options) throws IOException {
        if (reference.layout()) {
            return OciLayoutStore.open(Path.of(reference.repository()));
        }
        RegistryStore.Settings settings = RegistryStore.Settings.of(options.plainHttp(),
                RegistryCredentials.fromEnvironment(reference.registry()));
        OciReference from = options.mountFrom();
        if (from != null && !from.layout() && from.registry().equals(reference.registry())
                && !from.repository().equals(reference.repository())) {
            settings = settings.mountingFrom(from.repository());
        }
        return new RegistryStore(reference.registry(), reference.repository(), settings);
    }
}
