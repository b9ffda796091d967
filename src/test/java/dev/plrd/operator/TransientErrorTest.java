package dev.plrd.operator;

import static dev.plrd.operator.FakeJobController.PodScript.runForever;
import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An API server that refuses for a while delays a stage; it never fails it nor starts another
 * attempt, until the startup timeout: a Job that cannot be created has a deadline too.
 */
@QuarkusTest
@TestProfile(TransientErrorTest.NoClientRetries.class)
@WithKubernetesTestServer(crud = true)
class TransientErrorTest extends OperatorTestSupport {
    /**
     * The client retries refused requests itself (ten times, with backoff, in production); here it
     * does not, so that the refusals reach the reconciler and its own retry path is what is tested.
     */
    public static class NoClientRetries implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.kubernetes-client.request-retry-backoff-limit", "0");
        }
    }

    @Inject
    KubernetesClient client;
    @KubernetesTestServer
    KubernetesServer server;

    @Test
    void jobCreationErrorsAreRetriedWithoutFailingTheStage() throws InterruptedException {
        String ns = "transient";
        String jobsPath = "/apis/batch/v1/namespaces/" + ns + "/jobs";
        server.expect().post().withPath(jobsPath)
                .andReturn(429, "{\"kind\":\"Status\",\"code\":429,\"reason\":\"TooManyRequests\"}")
                .times(3);
        scripts.put("m5b/train", FakeJobController.Script.of(runForever()));
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.TRAIN).phase)
                .isEqualTo(StagePhase.Running));
        var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
        assertThat(decompose.phase).isEqualTo(StagePhase.Succeeded);
        assertThat(decompose.attempt).isEqualTo(1);
        assertThat(decompose.retries).isZero();
        assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("False");
        // two Jobs exist and five creations were asked for: the three refusals were retried, not re-planned
        assertThat(jobs(client, ns)).hasSize(2);
        int posts = 0;
        for (RecordedRequest r; (r = server.getKubernetesMockServer().takeRequest(10, TimeUnit.MILLISECONDS)) != null; ) {
            if ("POST".equals(r.getMethod()) && jobsPath.equals(r.getPath())) {
                posts++;
            }
        }
        assertThat(posts).isEqualTo(5);
    }

    @Test
    void aJobThatCannotBeCreatedWithinTheStartupTimeoutFailsTheStage() {
        String ns = "transient-forever";
        server.expect().post().withPath("/apis/batch/v1/namespaces/" + ns + "/jobs")
                .andReturn(503, "{\"kind\":\"Status\",\"code\":503,\"reason\":\"ServiceUnavailable\"}").always();
        fake(client, ns);
        ModelFamily family = Families.threeMembers("fam", ns);
        family.getSpec().scheduling.startupTimeout = "3s";
        client.resource(family).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).phase)
                .isEqualTo(StagePhase.Failed));
        var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
        assertThat(decompose.reason).isEqualTo(Reasons.STARTUP_TIMEOUT);
        assertThat(decompose.message).isEqualTo("Job " + decompose.jobName + " was not created within 3s");
        assertThat(condition(get(client, ns, "fam"), "Degraded").getReason()).isEqualTo(Reasons.STARTUP_TIMEOUT);
    }
}
