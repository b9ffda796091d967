package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.kube.DeployBase;
import dev.plrd.kube.KubeApiServer;
import dev.plrd.kube.Kubectl;
import dev.plrd.kube.OperatorProcess;
import dev.plrd.kube.SharedKubeApiServer;
import dev.plrd.plan.WorkerContract;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a user sees of a ModelFamily on a real API server: {@code kubectl get mf} columns,
 * {@code kubectl wait} on Ready and Degraded, the Events; and the operator stopping on SIGTERM as
 * a pod stop sends it. The operator runs with full rights here (its own namespace and Lease), so
 * that these checks do not depend on the shipped RBAC, which ShippedRbacIT checks.
 */
@ExtendWith(SharedKubeApiServer.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModelFamilySurfaceIT extends RealApiServerSupport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long WAIT_SECONDS = 120;
    private static final long SIGTERM_SECONDS = 10;

    private KubeApiServer server;
    private String ns;
    private OperatorProcess operator;
    private FakeJobController jobs;

    @BeforeAll
    void startOperator(KubeApiServer server) throws Exception {
        this.server = server;
        KubernetesClient admin = server.admin();
        DeployBase.apply(admin);
        ns = namespace(server, "surface");
        operatorAccount(admin, ns, "cluster-admin");
        scripts.put("bad5b/decompose", FakeJobController.Script.of(FakeJobController.PodScript.fail(
                WorkerContract.EXIT_INVALID_INPUT, "config.json: hidden_size: expected a positive integer")));
        jobs = new FakeJobController(admin, ns, this::scriptFor, 50);
        operator = OperatorProcess.start(server, server.serviceAccountToken(ns, "operator"), ns,
                Map.of("QUARKUS_OPERATOR_SDK_CONTROLLERS_MODELFAMILY_NAMESPACES", ns), workDir("surface"));
        admin.resource(twoMembers("ready", ns, "m5b", "m3b")).create();
        admin.resource(twoMembers("broken", ns, "bad5b", "bad3b")).create();
    }

    @AfterAll
    void stopOperator() throws Exception {
        if (jobs != null) {
            jobs.close();
        }
        if (operator != null) {
            operator.close();
        }
    }

    @Test
    @Order(1)
    void waitForConditionReady() throws Exception {
        waitFor("Ready", "ready");
        assertAllStagesSucceeded(get(server.admin(), ns, "ready"));
    }

    @Test
    @Order(2)
    void waitForConditionDegraded() throws Exception {
        waitFor("Degraded", "broken");
        ModelFamily mf = get(server.admin(), ns, "broken");
        assertThat(stage(mf, "bad5b", StageName.DECOMPOSE).phase).hasToString("Failed");
        assertThat(condition(mf, Conditions.DEGRADED).getMessage()).contains("bad5b");
    }

    /** The server renders the CRD's additionalPrinterColumns: what {@code kubectl get mf} prints. */
    @Test
    @Order(3)
    void printerColumnsAsTheServerRendersThem() throws Exception {
        waitFor("Ready", "ready");
        HttpClient http = server.admin().getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder()
                .uri(server.url() + "/apis/plrd.dev/v1alpha1/namespaces/" + ns + "/modelfamilies/ready")
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build();
        JsonNode table = JSON.readTree(http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS).body());

        List<String> columns = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asText()));
        assertThat(columns).containsExactly("Name", "Base", "Stage", "GPUs", "Published", "Ready", "Reason", "Age");
        JsonNode cells = table.path("rows").get(0).path("cells");
        ModelFamily mf = get(server.admin(), ns, "ready");
        Condition ready = condition(mf, Conditions.READY);
        assertThat(cells.get(0).asText()).isEqualTo("ready");
        assertThat(cells.get(1).asText()).isEqualTo("hf://mistralai/Mistral-7B-v0.1");
        assertThat(cells.get(2).asText()).isEqualTo(mf.getStatus().currentStage == null ? "" : mf.getStatus().currentStage);
        assertThat(cells.get(3).isNull()).as("no stage in hand, so no GPUs: %s", cells.get(3)).isTrue();
        assertThat(cells.get(4).asText()).isEqualTo("2/2");
        assertThat(cells.get(5).asText()).isEqualTo("True");
        assertThat(cells.get(6).asText()).isEqualTo(ready.getReason()).isNotBlank();
        assertThat(cells.get(7).asText()).isNotBlank();
    }

    /** Every stage of the Ready family has its Events on the family; the failure is a Warning naming the stage. */
    @Test
    @Order(4)
    void eventsTellTheStagesOfEachFamily() throws Exception {
        waitFor("Ready", "ready");
        waitFor("Degraded", "broken");
        ModelFamily ready = get(server.admin(), ns, "ready");
        List<Event> readyEvents = events("ready");
        assertThat(readyEvents).allSatisfy(e -> {
            assertThat(e.getInvolvedObject().getUid()).isEqualTo(ready.getMetadata().getUid());
            assertThat(e.getSource().getComponent()).isEqualTo(Labels.OPERATOR);
            assertThat(e.getType()).isEqualTo("Normal");
        });
        for (String member : List.of("m5b", "m3b")) {
            for (StageName stage : StageName.values()) {
                assertThat(readyEvents).as("events of %s/%s", member, stage.id())
                        .anySatisfy(e -> assertThat(e.getMessage()).startsWith(member + "/" + stage.id() + " Succeeded"));
            }
        }
        assertThat(events("broken")).anySatisfy(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getMessage()).startsWith("bad5b/decompose Failed");
        });
    }

    /** A pod stop: SIGTERM, then the kubelet waits terminationGracePeriodSeconds before SIGKILL. */
    @Test
    @Order(5)
    void exitsPromptlyOnSigterm() throws Exception {
        assertThat(operator.isAlive()).as("operator running before SIGTERM; its log:%n%s", operator.logTail()).isTrue();
        assertThat(server.admin().leases().inNamespace(ns).withName(LeaderElection.LEASE).get())
                .as("the operator leads, so its shutdown runs the leader-election stop that used to deadlock").isNotNull();

        Integer code = operator.terminate(SIGTERM_SECONDS);

        assertThat(code).as("exit code within %d s of SIGTERM; log:%n%s", SIGTERM_SECONDS, operator.logTail())
                .isNotNull().isIn(0, 143);
    }

    private void waitFor(String condition, String family) throws Exception {
        if (Kubectl.installed()) {
            Kubectl.Result r = Kubectl.run(server.kubeconfig(), "wait", "--for=condition=" + condition, "mf/" + family,
                    "-n", ns, "--timeout=" + WAIT_SECONDS + "s");
            assertThat(r.code()).as("kubectl wait --for=condition=%s mf/%s: %s%nstatus: %s%noperator log:%n%s",
                    condition, family, r.output(), server.admin().getKubernetesSerialization()
                    .asJson(get(server.admin(), ns, family).getStatus()),
                    operator.logTail()).isZero();
        } else {
            server.admin().resources(ModelFamily.class).inNamespace(ns).withName(family).waitUntilCondition(
                    mf -> mf != null && mf.getStatus() != null && condition(mf, condition) != null
                            && "True".equals(condition(mf, condition).getStatus()), WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private List<Event> events(String family) {
        return server.admin().v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> family.equals(e.getInvolvedObject().getName())).toList();
    }
}
