package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.List;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithKubernetesTestServer(crud = true)
class FamilyLifecycleTest extends OperatorTestSupport {
    @Inject
    KubernetesClient client;
    @TestHTTPResource("/q/metrics")
    URL metrics;
    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void threeMemberFamilyWalksToReadyWithAllOutputsInStatus() {
        String ns = "lifecycle";
        FakeJobController controller = fake(client, ns);
        client.resource(Families.threeMembers("mistral", ns)).create();

        eventually(() -> {
            ModelFamily mf = get(client, ns, "mistral");
            assertThat(condition(mf, "Ready").getStatus()).isEqualTo("True");
        });
        ModelFamily mf = get(client, ns, "mistral");
        assertThat(mf.getStatus().phase).isEqualTo("Succeeded");
        assertThat(mf.getStatus().published).isEqualTo("3/3");
        assertThat(mf.getStatus().currentStage).isEmpty();
        assertThat(mf.getStatus().observedGeneration).isEqualTo(mf.getMetadata().getGeneration());
        assertThat(condition(mf, "Ready").getReason()).isEqualTo(Reasons.ALL_MEMBERS_PUBLISHED);
        assertThat(condition(mf, "Progressing").getStatus()).isEqualTo("False");
        assertThat(condition(mf, "Degraded").getStatus()).isEqualTo("False");
        assertThat(mf.getStatus().members).extracting(m -> m.name).containsExactly("m5b", "m4b", "m3b");
        for (var member : mf.getStatus().members) {
            assertThat(member.stages).extracting(s -> s.name)
                    .containsExactly(StageName.DECOMPOSE, StageName.TRAIN, StageName.EVALUATE, StageName.PUBLISH);
            assertThat(member.stages).allSatisfy(s -> {
                assertThat(s.phase).isEqualTo(StagePhase.Succeeded);
                assertThat(s.attempt).isEqualTo(1);
                assertThat(s.outputs).isNotNull();
            });
            assertThat(member.parameters).isEqualTo((long) (member.name.hashCode() & 0xffffff));
            assertThat(member.ranks).isEqualTo("q,k,v,o:1024 gate,up,down:2048");
            assertThat(member.loss).isEqualTo(2.25);
            assertThat(member.perplexity).isEqualTo(8.5);
            assertThat(member.artifact.uri).isEqualTo("registry.example.com/models/mistral-family:" + member.name);
            assertThat(member.artifact.digest).startsWith("sha256:abab");
        }
        assertThat(stage(mf, "m4b", StageName.EVALUATE).outputs.parentPerplexity).isEqualTo(7.25);
        // one Job per stage, each recorded in status under the name it was created with
        var recorded = mf.getStatus().members.stream().flatMap(m -> m.stages.stream()).map(s -> s.jobName).toList();
        assertThat(controller.jobsSeen().stream().filter(recorded::contains)).hasSize(12)
                .containsExactlyInAnyOrderElementsOf(recorded);

        // an Event per stage transition, on the ModelFamily
        var events = client.v1().events().inNamespace(ns).list().getItems();
        assertThat(events).allSatisfy(e -> assertThat(e.getInvolvedObject().getUid()).isEqualTo(mf.getMetadata().getUid()));
        for (String id : List.of("m5b/decompose", "m4b/train", "m3b/publish")) {
            assertThat(events).extracting(e -> e.getReason() + " " + e.getMessage().split(" ")[0])
                    .contains("Submitted " + id, "Running " + id, "Completed " + id);
        }
    }

    @Test
    void metricsAndHealthAreServed() throws Exception {
        String ns = "lifecycle-metrics";
        fake(client, ns);
        client.resource(Families.threeMembers("metered", ns)).create();
        eventually(() -> assertThat(condition(get(client, ns, "metered"), "Ready").getStatus()).isEqualTo("True"));

        HttpClient http = HttpClient.newHttpClient();
        String scrape = http.send(HttpRequest.newBuilder(metrics.toURI()).build(), BodyHandlers.ofString()).body();
        assertThat(scrape).contains("plrd_stage_transitions_total{", "reconciliations_execution_duration_seconds_count")
                .containsPattern("plrd_stage_queue_wait_seconds_count\\{[^}]*stage=\"train\"[^}]*} [1-9]")
                .containsPattern("plrd_stage_run_time_seconds_count\\{[^}]*outcome=\"Succeeded\"[^}]*stage=\"publish\"");
        var health = http.send(HttpRequest.newBuilder(ready.toURI()).build(), BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\": \"UP\"");
    }
}
