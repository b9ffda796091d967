package dev.plrd.transport.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.transport.TransportException;
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
    void aRegistryReferenceIsAPermanentFailureNamingIt() {
        OciReference reference = OciReference.parse("oci://127.0.0.1:5000/plrd/family:m1");
        assertThatThrownBy(() -> ArtifactStores.open(reference, new ArtifactStores.Options(true)))
                .isInstanceOf(TransportException.class).hasMessageContaining("oci://127.0.0.1:5000/plrd/family:m1")
                .matches(e -> ((TransportException) e).permanent());
    }
}
