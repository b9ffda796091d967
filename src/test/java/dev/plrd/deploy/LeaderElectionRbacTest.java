package dev.plrd.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plrd.api.ModelFamily;
import dev.plrd.operator.LeaderElection;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leader election as the operator runs it (JOSDK's startup permission check, then Fabric8's
 * LeaseLock), against a mock API server that enforces the RBAC of deploy/base for the operator's
 * ServiceAccount. A verb the library uses but the Role lacks shows up as a refused request.
 */
class LeaderElectionRbacTest {
    private static final String NAMESPACE = "plrd-system";
    private static final String SERVICE_ACCOUNT = "plrd-operator";

    private KubernetesMockServer server;
    private KubernetesClient client;
    private Operator operator;

    @AfterEach
    void stop() {
        if (operator != null) {
            operator.stop();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    @Test
    void theShippedRoleLetsTheOperatorTakeAndKeepItsLease() throws Exception {
        List<JsonNode> base = Kustomize.render(Path.of("deploy/base"));
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        AuthorizingDispatcher rbac = new AuthorizingDispatcher(new KubernetesMixedDispatcher(responses),
                ns -> Rbac.grantsFor(base, ns, NAMESPACE, SERVICE_ACCOUNT), Map.of());
        server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), responses, rbac,
                false);
        server.init();
        client = server.createClient();

        AtomicBoolean leading = new AtomicBoolean();
        AtomicBoolean lost = new AtomicBoolean();
        // The operator's Lease, renewed every 200 ms instead of every 2 s so that the test is short; the
        // long renew deadline keeps a slow, shared test machine from losing it between renewals.
        var election = new LeaderElectionConfiguration(LeaderElection.LEASE, NAMESPACE, Duration.ofSeconds(10),
                Duration.ofSeconds(8), Duration.ofMillis(200), "operator-0",
                new LeaderCallbacks(() -> leading.set(true), () -> lost.set(true), leader -> {
                }), false);
        operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
                .checkingCRDAndValidateLocalModel(false).withLeaderElectionConfiguration(election));
        // JOSDK starts only with a controller; this one watches ModelFamilies as the operator's does.
        operator.register(new Idle());
        operator.start();

        await().atMost(Duration.ofSeconds(20))
                .until(() -> lost.get() || !rbac.refused.isEmpty() || renewals(rbac) > 3);
        assertThat(rbac.refused).as("requests the shipped RBAC refuses").isEmpty();
        assertThat(leading).as("leads").isTrue();
        assertThat(lost).as("lost the lease").isFalse();
        assertThat(rbac.allowed).as("the library's requests on its Lease")
                .filteredOn(r -> r.resource().equals("leases"))
                .extracting(Rbac.ApiRequest::verb).contains("get", "create", "patch");
    }

    /** Reconciles nothing: leader election is what is under test. */
    private static final class Idle implements Reconciler<ModelFamily> {
        @Override
        public UpdateControl<ModelFamily> reconcile(ModelFamily family, Context<ModelFamily> context) {
            return UpdateControl.noUpdate();
        }
    }

    private static long renewals(AuthorizingDispatcher rbac) {
        synchronized (rbac.allowed) {
            return rbac.allowed.stream().filter(r -> r.resource().equals("leases") && r.verb().equals("patch"))
                    .count();
        }
    }
}
