package dev.plrd.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed CRD (crds/) is what users install and what SchemaValidator judges by; the build
 * generates the real one from the api classes. They must be the same file.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class CrdIsCurrentTest {
    @Test
    void committedCrdMatchesTheGeneratedOne() throws IOException {
        // a @QuarkusTest, so the build step that generates the CRD has run before this
        Path generated = Path.of("target/kubernetes/modelfamilies.plrd.dev-v1.yml");
        Path committed = Path.of("crds/modelfamilies.plrd.dev-v1.yml");
        assertThat(generated).exists();
        assertThat(Files.readString(committed))
                .as("crds/ is stale: run `make crd` and commit crds/modelfamilies.plrd.dev-v1.yml")
                .isEqualTo(Files.readString(generated));
    }

    @Test
    void printerColumnsAreInTheDeclaredOrder() throws IOException {
        String crd = Files.readString(Path.of("crds/modelfamilies.plrd.dev-v1.yml"));
        int base = crd.indexOf("name: \"Base\"");
        int stage = crd.indexOf("name: \"Stage\"");
        int published = crd.indexOf("name: \"Published\"");
        int ready = crd.indexOf("name: \"Ready\"");
        int reason = crd.indexOf("name: \"Reason\"");
        int age = crd.indexOf("name: \"Age\"");
        assertThat(base).isPositive();
        assertThat(new int[] {base, stage, published, ready, reason, age}).isSorted();
        assertThat(crd).doesNotContain("conditions[-1:]");
    }
}
