package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.kube.DeployBase;
import dev.plrd.kube.KubeApiServer;
import dev.plrd.kube.OperatorProcess;
import dev.plrd.kube.SharedKubeApiServer;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An operator that can take its Lease but not renew it (no patch on leases) loses it after the
 * renew deadline, and must then stop with exit code 1, so that it never reconciles beside a new
 * leader and its pod restarts.
 */
@ExtendWith(SharedKubeApiServer.class)
class LeaseLossIT extends RealApiServerSupport {
    private static final long EXIT_SECONDS = 60;

    @Test
    void exitsWithOneWhenItCannotRenewItsLease(KubeApiServer server) throws Exception {
        KubernetesClient admin = server.admin();
        DeployBase.apply(admin);
        String ns = namespace(server, "lease-loss");
        operatorAccount(admin, ns, "plrd-operator");
        admin.resource(new RoleBuilder().withNewMetadata().withName("lease-without-patch").withNamespace(ns)
                .endMetadata().addNewRule().withApiGroups("coordination.k8s.io").withResources("leases")
                .withVerbs("create", "get", "update").endRule().build()).create();
        admin.resource(new RoleBindingBuilder().withNewMetadata().withName("lease-without-patch").withNamespace(ns)
                .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "Role", "lease-without-patch")
                .addNewSubject().withKind("ServiceAccount").withName("operator").withNamespace(ns).endSubject()
                .build()).create();

        try (OperatorProcess operator = OperatorProcess.start(server, server.serviceAccountToken(ns, "operator"), ns,
                Map.of("QUARKUS_OPERATOR_SDK_CONTROLLERS_MODELFAMILY_NAMESPACES", ns), workDir("lease-loss"))) {
            Integer code = operator.waitForExit(EXIT_SECONDS);

            assertThat(code).as("exit code within %d s; log:%n%s", EXIT_SECONDS, operator.logTail()).isEqualTo(1);
            assertThat(operator.logTail()).contains("lost the leader lease " + LeaderElection.LEASE);
        }
    }
}
