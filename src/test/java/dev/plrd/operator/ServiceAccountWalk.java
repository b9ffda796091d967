package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.plrd.api.ModelFamily;
import dev.plrd.kube.DeployBase;
import dev.plrd.kube.KubeApiServer;
import dev.plrd.kube.OperatorProcess;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * deploy/base as shipped, the operator with its own service account's token (so exactly the
 * shipped RBAC), a two-member family walked to Ready by the fake Job controller, and the leader
 * Lease renewed by the same holder throughout.
 */
abstract class ServiceAccountWalk extends RealApiServerSupport {
    private static final Duration LIMIT = Duration.ofSeconds(150);
    /** "More than two renewals": the renew time seen to advance at least three times. */
    private static final int RENEWALS = 3;

    void walk(KubeApiServer server, String name) throws Exception {
        DeployBase.apply(server.admin());
        noLeaderYet(server.admin());
        String ns = namespace(server, name);
        String token = server.serviceAccountToken(DeployBase.NAMESPACE, DeployBase.SERVICE_ACCOUNT);
        fake(server.admin(), ns);
        try (OperatorProcess operator = OperatorProcess.start(server, token, DeployBase.NAMESPACE, Map.of(),
                workDir(name))) {
            server.admin().resource(twoMembers("walk", ns, "m5b", "m3b")).create();

            String holder = null;
            // the first renew time is the acquisition; each later one a renewal
            Set<String> renewTimes = new LinkedHashSet<>();
            ModelFamily mf = null;
            Instant deadline = Instant.now().plus(LIMIT);
            while (!(ready(mf) && renewTimes.size() > RENEWALS)) {
                if (Instant.now().isAfter(deadline) || !operator.isAlive()) {
                    fail("family Ready and %d lease renewals within %s, operator %s; renew times seen: %d; "
                            + "family status: %s%noperator log:%n%s", RENEWALS, LIMIT,
                            operator.isAlive() ? "running" : "exited", renewTimes.size(),
                            mf == null ? null : server.admin().getKubernetesSerialization().asJson(mf.getStatus()),
                            operator.logTail());
                }
                Lease lease = server.admin().leases().inNamespace(DeployBase.NAMESPACE)
                        .withName(LeaderElection.LEASE).get();
                if (lease != null && lease.getSpec().getHolderIdentity() != null) {
                    if (holder == null) {
                        holder = lease.getSpec().getHolderIdentity();
                    }
                    assertThat(lease.getSpec().getHolderIdentity()).as("lease holder").isEqualTo(holder);
                    renewTimes.add(String.valueOf(lease.getSpec().getRenewTime()));
                }
                mf = get(server.admin(), ns, "walk");
                Thread.sleep(200);
            }
            assertAllStagesSucceeded(mf);
        }
    }

    private static boolean ready(ModelFamily mf) {
        if (mf == null || mf.getStatus() == null) {
            return false;
        }
        Condition ready = condition(mf, Conditions.READY);
        return ready != null && "True".equals(ready.getStatus());
    }
}
