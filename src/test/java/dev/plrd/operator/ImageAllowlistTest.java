package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.ModelFamily;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * A ModelFamily names its stage image, and the operator runs it with the Secrets the spec names:
 * only images under the operator's allowed prefixes (by default the repository of its own worker
 * image) may run.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ImageAllowlistTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;

    @Test
    void anImageOutsideTheAllowedPrefixesIsAnInvalidSpecAndRunsNothing() {
        String ns = "images";
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().image = "ghcr.io/plrd-dev/plrd-operator-evil:1.0";
        client.resource(family).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getReason()).isEqualTo("InvalidSpec"));
        var degraded = condition(get(client, ns, "fam"), "Degraded");
        assertThat(degraded.getStatus()).isEqualTo("True");
        assertThat(degraded.getMessage()).startsWith("spec.image: 'ghcr.io/plrd-dev/plrd-operator-evil:1.0'")
                .contains("ghcr.io/plrd-dev/plrd-operator ", "PLRD_WORKER_ALLOWED_IMAGE_PREFIXES");
        assertThat(jobs(client, ns)).isEmpty();

        // another tag of the worker's own repository is allowed
        client.resources(ModelFamily.class).inNamespace(ns).withName("fam").edit(f -> {
            f.getSpec().image = "ghcr.io/plrd-dev/plrd-operator:0.2.0";
            return f;
        });
        eventually(() -> assertThat(jobs(client, ns)).isNotEmpty());
        assertThat(jobs(client, ns)).allSatisfy(j -> assertThat(j.getSpec().getTemplate().getSpec().getContainers()
                .get(0).getImage()).isEqualTo("ghcr.io/plrd-dev/plrd-operator:0.2.0"));
        assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("False");
    }
}
