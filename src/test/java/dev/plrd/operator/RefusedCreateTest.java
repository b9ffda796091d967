package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A Job or workspace claim that the API server refuses for good (403, 422) fails the stage at once,
 * with the server's own account, instead of being asked for again and again. A ResourceQuota
 * without room is not for good: the stage waits for it, saying so.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class RefusedCreateTest extends OperatorTestSupport {
    private static final String INVALID_NODE_SELECTOR = """
            {"kind":"Status","apiVersion":"v1","status":"Failure","code":422,"reason":"Invalid",
             "message":"Job.batch \\"x\\" is invalid: spec.template.spec.nodeSelector: Invalid value: \\"bad key!\\": name part must consist of alphanumeric characters",
             "details":{"name":"x","group":"batch","kind":"Job","causes":[{"reason":"FieldValueInvalid",
               "message":"Invalid value: \\"bad key!\\"","field":"spec.template.spec.nodeSelector"}]}}
            """;
    private static final String FORBIDDEN_CLAIM = """
            {"kind":"Status","apiVersion":"v1","status":"Failure","code":403,"reason":"Forbidden",
             "message":"persistentvolumeclaims \\"fam-workspace\\" is forbidden: unable to create new content in namespace refused-claim because it is being terminated"}
            """;
    private static final String CLAIM_OVER_QUOTA = """
            {"kind":"Status","apiVersion":"v1","status":"Failure","code":403,"reason":"Forbidden",
             "message":"persistentvolumeclaims \\"fam-workspace\\" is forbidden: exceeded quota: storage, requested: requests.storage=100Gi, used: requests.storage=950Gi, limited: requests.storage=1Ti"}
            """;

    @Inject
    KubernetesClient client;
    @KubernetesTestServer
    KubernetesServer server;

    @Test
    void aJobTheServerRefusesFailsTheStageAndDegradesTheFamilyNamingTheField() throws InterruptedException {
        String ns = "refused-job";
        String jobsPath = "/apis/batch/v1/namespaces/" + ns + "/jobs";
        server.expect().post().withPath(jobsPath).andReturn(422, INVALID_NODE_SELECTOR).always();
        FakeJobController controller = fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("True"));
        ModelFamily mf = get(client, ns, "fam");
        var decompose = stage(mf, "m5b", StageName.DECOMPOSE);
        assertThat(decompose.phase).isEqualTo(StagePhase.Failed);
        assertThat(decompose.reason).isEqualTo(Reasons.JOB_REJECTED);
        assertThat(decompose.message).startsWith("the API server refused Job " + decompose.jobName + " (422 Invalid)")
                .contains("field spec.template.spec.nodeSelector")
                .contains("name part must consist of alphanumeric characters");
        assertThat(condition(mf, "Degraded").getReason()).isEqualTo(Reasons.JOB_REJECTED);
        assertThat(condition(mf, "Degraded").getMessage()).startsWith("m5b/decompose: the API server refused Job");
        assertThat(condition(mf, "Progressing").getStatus()).isEqualTo("False");

        // asked once, not again and again
        Thread.sleep(2_000);
        assertThat(posts(jobsPath)).isEqualTo(1);
        assertThat(controller.jobsSeen()).isEmpty();
    }

    @Test
    void aWorkspaceClaimTheServerRefusesFailsTheStageWithoutAJob() {
        String ns = "refused-claim";
        server.expect().post().withPath("/api/v1/namespaces/" + ns + "/persistentvolumeclaims")
                .andReturn(403, FORBIDDEN_CLAIM).always();
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(condition(get(client, ns, "fam"), "Degraded").getStatus()).isEqualTo("True"));
        var decompose = stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE);
        assertThat(decompose.reason).isEqualTo(Reasons.WORKSPACE_REJECTED);
        assertThat(decompose.message).isEqualTo("the API server refused PersistentVolumeClaim fam-workspace"
                + " (403 Forbidden): persistentvolumeclaims \"fam-workspace\" is forbidden: unable to create new"
                + " content in namespace refused-claim because it is being terminated");
        assertThat(jobs(client, ns)).isEmpty();
    }

    @Test
    void aClaimOverQuotaWaitsForQuotaInsteadOfFailing() throws InterruptedException {
        String ns = "claim-over-quota";
        server.expect().post().withPath("/api/v1/namespaces/" + ns + "/persistentvolumeclaims")
                .andReturn(403, CLAIM_OVER_QUOTA).always();
        fake(client, ns);
        client.resource(Families.threeMembers("fam", ns)).create();

        eventually(() -> assertThat(stage(get(client, ns, "fam"), "m5b", StageName.DECOMPOSE).reason)
                .isEqualTo(Reasons.WAITING_FOR_QUOTA));
        Thread.sleep(2_000);
        ModelFamily mf = get(client, ns, "fam");
        var decompose = stage(mf, "m5b", StageName.DECOMPOSE);
        assertThat(decompose.phase).isEqualTo(StagePhase.Starting);
        assertThat(decompose.message).startsWith("the API server refused PersistentVolumeClaim fam-workspace (403")
                .contains("exceeded quota: storage");
        assertThat(condition(mf, "Degraded").getStatus()).isEqualTo("False");
        assertThat(condition(mf, "Progressing").getStatus()).isEqualTo("True");
        assertThat(jobs(client, ns)).isEmpty();
    }

    private int posts(String path) throws InterruptedException {
        int posts = 0;
        for (RecordedRequest r; (r = server.getKubernetesMockServer().takeRequest(10, TimeUnit.MILLISECONDS)) != null; ) {
            if ("POST".equals(r.getMethod()) && path.equals(r.getPath())) {
                posts++;
            }
        }
        return posts;
    }
}
