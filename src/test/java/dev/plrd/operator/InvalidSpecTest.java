package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.ModelFamily;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * The mock API server does not enforce the CRD schema, which stands in for a cluster whose CRD
 * is older than the operator: the operator must judge the spec itself.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class InvalidSpecTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;

    @Test
    void invalidManifestIsDegradedWithAMessageNamingTheField() {
        String ns = "invalid";
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().members.get(1).targetParameters = null;
        family.getSpec().members.get(1).rankFraction = 1.5;
        client.resource(family).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getReason()).isEqualTo(Reasons.INVALID_SPEC));
        ModelFamily mf = get(client, ns, "fam");
        var degraded = condition(mf, "Degraded");
        assertThat(degraded.getStatus()).isEqualTo("True");
        assertThat(degraded.getMessage())
                .startsWith("spec.members: members must all set targetParameters or all set rankFraction")
                .contains("spec.members[1].rankFraction");
        assertThat(condition(mf, "Ready").getReason()).isEqualTo(Reasons.INVALID_SPEC);
        assertThat(mf.getStatus().observedGeneration).isEqualTo(mf.getMetadata().getGeneration());
        assertThat(jobs(client, ns)).isEmpty();
        assertThat(client.v1().events().inNamespace(ns).list().getItems())
                .anySatisfy(e -> {
                    assertThat(e.getReason()).isEqualTo(Reasons.INVALID_SPEC);
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getMessage()).contains("spec.members[1].rankFraction");
                });

        // fixing the spec lets the family start
        client.resources(ModelFamily.class).inNamespace(ns).withName("fam").edit(f -> {
            f.getSpec().members.get(1).rankFraction = null;
            f.getSpec().members.get(1).targetParameters = "4B";
            return f;
        });
        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("False"));
        eventually(() -> assertThat(jobs(client, ns)).isNotEmpty());
    }
}
