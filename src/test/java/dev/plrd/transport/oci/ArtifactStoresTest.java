package dev.plrd.transport.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoresTest {
    @TempDir
    Path dir;

    @Test
    void aLayoutReferenceOpensItsDirectory() throws IOException {
        Path layout = dir.resolve("out");
        try (ArtifactStore store = ArtifactStores.open(OciReference.parse("oci-layout://" + layout + ":m1"),
                new ArtifactStores.Options(false))) {
            assertThat(store).isInstanceOf(OciLayoutStore.class);
        }
        assertThat(layout.resolve("oci-layout")).isRegularFile();
    }

    @Test
    void aRegistryReferenceOpensItsRepository() throws IOException {
        try (ArtifactStore store = ArtifactStores.open(OciReference.parse("oci://127.0.0.1:5000/plrd/family:m1"),
                new ArtifactStores.Options(true))) {
            assertThat(store).isInstanceOf(RegistryStore.class);
        }
    }
}
