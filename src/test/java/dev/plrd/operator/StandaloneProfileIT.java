package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.plrd.api.ModelFamily;
import dev.plrd.kube.DeployBase;
import dev.plrd.kube.KubeApiServer;
import dev.plrd.kube.OperatorProcess;
import dev.plrd.kube.SharedKubeApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Helm chart's {@code leaderElection.enabled=false}: under the Quarkus profile {@code standalone} the operator
 * takes no Lease (it is not allowed one here) and reconciles all the same.
 */
@ExtendWith(SharedKubeApiServer.class)
class StandaloneProfileIT extends RealApiServerSupport {
    @Test
    void withoutLeaderElectionTheOperatorReconcilesWithoutALease(KubeApiServer server) throws Exception {
        KubernetesClient admin = server.admin();
        DeployBase.apply(admin);
        String ns = namespace(server, "standalone");
        operatorAccount(admin, ns, "plrd-operator");

        Path workDir = workDir("standalone");
        try (OperatorProcess operator = OperatorProcess.start(server, server.serviceAccountToken(ns, "operator"), ns,
                Map.of("QUARKUS_OPERATOR_SDK_CONTROLLERS_MODELFAMILY_NAMESPACES", ns, "QUARKUS_PROFILE", "standalone"),
                workDir)) {
            ModelFamily family = admin.resource(twoMembers("fam", ns, "m5b", "m3b")).create();

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(operator.isAlive()).as(operator.logTail()).isTrue();
                ModelFamily seen = admin.resources(ModelFamily.class).inNamespace(ns).withName("fam").get();
                assertThat(seen.getStatus()).as(operator.logTail()).isNotNull();
                assertThat(seen.getStatus().observedGeneration).isEqualTo(family.getMetadata().getGeneration());
            });
            assertThat(admin.leases().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(Files.readString(workDir.resolve("operator.log"))).contains("Leader election deactivated");
        }
    }
}
