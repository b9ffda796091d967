package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.GpuSpec;
import dev.plrd.api.ModelFamily;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * A family whose training cannot fit its GPUs is refused before any Job: Mistral 7B's members on one L4 need
 * more than its 22.5 GiB even with activation checkpointing (16 bytes a parameter of state alone).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DoesNotFitTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;

    @Test
    void degradedBeforeAnyJobWithTheMemberAndItsNumbers() {
        String ns = "does-not-fit";
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().scheduling.gpu.count = 1;
        family.getSpec().scheduling.gpu.product = "NVIDIA-L4";
        client.resource(family).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getReason()).isEqualTo(Reasons.INVALID_SPEC));
        ModelFamily mf = get(client, ns, "fam");
        assertThat(condition(mf, "Degraded").getStatus()).isEqualTo("True");
        assertThat(condition(mf, "Degraded").getMessage())
                .startsWith("spec.scheduling.gpu: member m5b (5.00B parameters) does not fit: training needs ")
                .contains("on 1 GPU(s) of 22.5 GiB, which leave 20.4 GiB usable");
        assertThat(condition(mf, "Ready").getReason()).isEqualTo(Reasons.INVALID_SPEC);
        assertThat(mf.getStatus().observedGeneration).isEqualTo(mf.getMetadata().getGeneration());
        assertThat(jobs(client, ns)).isEmpty();

        // eight of them hold the sharded state: the family starts
        client.resources(ModelFamily.class).inNamespace(ns).withName("fam").edit(f -> {
            GpuSpec gpu = f.getSpec().scheduling.gpu;
            gpu.count = 8;
            return f;
        });
        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("False"));
        eventually(() -> assertThat(jobs(client, ns)).isNotEmpty());
    }
}
