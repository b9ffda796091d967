package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plrd.api.ModelFamily;
import dev.plrd.deploy.AuthorizingDispatcher;
import dev.plrd.deploy.Kustomize;
import dev.plrd.deploy.Rbac;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Jobs and the workspace claim the operator creates carry a controller owner reference with
 * blockOwnerDeletion. Under OwnerReferencesPermissionEnforcement (as OpenShift runs it) the API
 * server admits that only from a caller who may update the family's finalizers: the shipped RBAC
 * must grant it, or every stage sits at Submitted.
 */
class OwnerReferenceAdmissionTest {
    private static final String NAMESPACE = "ml-team";
    private static final Map<String, String> RESOURCES = Map.of("plrd.dev/ModelFamily", "modelfamilies");

    /** The operator's settings as Quarkus reads them (its converter understands "7d"), without booting Quarkus. */
    private final OperatorConfig config = new SmallRyeConfigBuilder().withMapping(OperatorConfig.class)
            .withConverter(Duration.class, 200, new DurationConverter())
            .withDefaultValue("plrd.worker.image", "ghcr.io/plrd-dev/plrd-operator:0.1.0").build()
            .getConfigMapping(OperatorConfig.class);
    private final JobFactory jobs = new JobFactory(config, new StagePods(config));
    private KubernetesMockServer server;
    private KubernetesClient client;

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void theShippedRbacMayCreateTheOwnedJobsAndClaim() throws Exception {
        AuthorizingDispatcher apiServer = start(grants -> grants);
        ModelFamily family = family();
        PlannedStage first = Planner.plan(family.getSpec()).get(0);

        client.resource(jobs.workspaceClaim(family)).create();
        client.resource(jobs.job(family, first, "fam-decompose-1")).create();
        assertThat(apiServer.refused).isEmpty();
    }

    @Test
    void withoutUpdateOnFinalizersTheCreateIsRefused() throws Exception {
        AuthorizingDispatcher apiServer = start(grants -> {
            Set<String> fewer = new TreeSet<>(grants);
            fewer.remove("plrd.dev/modelfamilies/finalizers:update");
            return fewer;
        });
        assertThatThrownBy(() -> client.resource(jobs.workspaceClaim(family())).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
                .hasMessageContaining("cannot set blockOwnerDeletion");
        assertThat(apiServer.refused).singleElement().satisfies(r -> assertThat(r.verb()).isEqualTo("admit"));
    }

    /** A mock API server enforcing deploy/base's RBAC for the operator's ServiceAccount, changed as given. */
    private AuthorizingDispatcher start(UnaryOperator<Set<String>> change) throws IOException {
        List<JsonNode> objects = Kustomize.render(Path.of("deploy/base"));
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        AuthorizingDispatcher apiServer = new AuthorizingDispatcher(new KubernetesMixedDispatcher(responses),
                ns -> change.apply(Rbac.grantsFor(objects, ns, "plrd-system", "plrd-operator")), RESOURCES);
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, apiServer, false);
        server.init();
        client = server.createClient();
        return apiServer;
    }

    private static ModelFamily family() {
        ModelFamily family = Families.threeMembers("fam", NAMESPACE);
        family.getMetadata().setUid("0b6e4b5c-2f6a-4d1e-9a43-5d1c0f7e8a21");
        return family;
    }
}
