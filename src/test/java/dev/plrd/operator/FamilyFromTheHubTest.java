package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamily;
import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import dev.plrd.cli.Main;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.WorkerContract;
import dev.plrd.plan.Workspace;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.JavaProcess;
import dev.plrd.testing.MicroModel;
import dev.plrd.transport.fetch.HubImitation;
import dev.plrd.transport.oci.ArtifactStore;
import dev.plrd.transport.oci.ArtifactStores;
import dev.plrd.transport.oci.DockerRegistryServer;
import dev.plrd.transport.oci.OciReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator scenario of model transport: a family whose base and data are on the Hugging Face Hub (an
 * imitation on 127.0.0.1) and whose members go to a registry (Debian's docker-registry). The operator plans and
 * creates the Jobs; each Job's pod runs the real worker with the Job's own arguments, in a child JVM, its
 * {@code /workspace} a temporary directory, and its termination message what the worker wrote. The family asks for
 * no GPUs, so every stage computes on the DJL engine in the JVM.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class FamilyFromTheHubTest extends OperatorTestSupport {
    private static final String COMMIT = "3f9a6c1d2b4e5f60718293a4b5c6d7e8f9012345";
    private static final String TOKEN = "hf_secretTokenThatMustNeverShow";

    @Inject
    KubernetesClient client;

    @TempDir
    Path dir;

    private HubImitation hub;
    private DockerRegistryServer registry;
    private final Map<String, String> environment = new HashMap<>();
    private final List<String> stagesRun = new ArrayList<>();

    @BeforeEach
    void servers() throws IOException, InterruptedException {
        assumeTrue(DockerRegistryServer.installed(), DockerRegistryServer::missing);
        hub = new HubImitation();
        registry = DockerRegistryServer.start(Files.createDirectories(dir.resolve("registry")));
        Path base = dir.resolve("base");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), base, 7);
        HubImitation.Repo model = hub.repo("models", "acme/micro", COMMIT);
        try (Stream<Path> files = Files.list(base)) {
            for (Path f : files.toList()) {
                model.addLfs(f.getFileName().toString(), f);
            }
        }
        Path tokens = CountingTokens.write(dir.resolve("counting.bin"), 40_000, MicroModel.VOCAB, 2);
        hub.repo("datasets", "acme/counting", "c".repeat(40)).addLfs("data/train.bin", tokens).add("README.md", "# c");
        environment.put(WorkerContract.WORKSPACE_ENV, Files.createDirectories(dir.resolve("workspace")).toString());
        environment.put("HF_ENDPOINT", hub.endpoint().toString());
    }

    @AfterEach
    void stopServers() throws Exception {
        if (hub != null) {
            hub.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** The pod of a Job: the worker with the Job's arguments, its workspace and termination message local. */
    @Override
    FakeJobController.Script scriptFor(Job job) {
        String workspace = environment.get(WorkerContract.WORKSPACE_ENV);
        Path result = dir.resolve("termination-" + job.getMetadata().getName());
        List<String> args = new ArrayList<>();
        for (String arg : job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()) {
            args.add(arg.equals(WorkerContract.RESULT_PATH) ? result.toString()
                    : arg.startsWith(Workspace.POD.root()) ? workspace + arg.substring(Workspace.POD.root().length())
                    : arg);
        }
        stagesRun.add(job.getMetadata().getLabels().get(Labels.MEMBER) + "/" + args.get(0));
        String message;
        int exit;
        try {
            // a child JVM, as a pod is: DJL's natives, once loaded by a Quarkus test's class loader, could not be
            // loaded again by the plain tests that share this JVM
            exit = JavaProcess.start(List.of(), environment, Main.class, dir.resolve(job.getMetadata().getName() + ".log"),
                    args.toArray()).waitFor();
            message = Files.readString(result);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return FakeJobController.Script.of(exit == 0 ? FakeJobController.PodScript.succeed(message)
                : FakeJobController.PodScript.fail(exit, message));
    }

    private ModelFamily family(String ns, String baseUri) {
        return Families.parse("""
                apiVersion: plrd.dev/v1alpha1
                kind: ModelFamily
                metadata:
                  name: micro
                  namespace: %s
                spec:
                  base:
                    uri: %s
                    credentialsSecret: hub-token
                  members:
                    - name: half
                      rankFraction: 0.5
                    - name: quarter
                      rankFraction: 0.25
                  training:
                    dataset: hf://datasets/acme/counting#data/*.bin
                    tokens: "256"
                    sequenceLength: 16
                    microBatch: 4
                    globalBatchTokens: "64"
                    precision: Float32
                  evaluation:
                    tokens: "256"
                  publish:
                    repository: %s/acme/micro-family
                    plainHttp: true
                  scheduling:
                    gpu:
                      count: 0
                """.formatted(ns, baseUri, registry.host()));
    }

    @Test
    void aFamilyOnAHubBaseIsPublishedWholeWithTheBaseCommitInStatus() throws Exception {
        String ns = "from-the-hub";
        fake(client, ns);
        client.resource(family(ns, "hf://acme/micro")).create();

        eventually(() -> assertThat(get(client, ns, "micro").getStatus().phase).isIn("Succeeded", "Failed"));
        ModelFamily mf = get(client, ns, "micro");
        assertThat(condition(mf, Conditions.READY).getStatus()).as(condition(mf, Conditions.READY).getMessage())
                .isEqualTo("True");
        assertThat(mf.getStatus().published).isEqualTo("2/2");
        assertThat(mf.getStatus().base.uri).isEqualTo("hf://acme/micro");
        assertThat(mf.getStatus().base.revision).as("main, resolved").isEqualTo(COMMIT);
        assertThat(mf.getStatus().base.bytes).isEqualTo(directorySize(dir.resolve("base")));
        try (ArtifactStore store = ArtifactStores.open(OciReference.parse(registry.host() + "/acme/micro-family:half"),
                new ArtifactStores.Options(true))) {
            for (MemberStatus m : mf.getStatus().members) {
                assertThat(m.artifact.digest).as(m.name).matches("sha256:[0-9a-f]{64}")
                        .isEqualTo(store.getManifest(m.name).orElseThrow().digest());
            }
        }
        assertThat(stagesRun).as("each stage ran once").containsExactly("half/decompose", "half/train",
                "half/evaluate", "half/publish", "quarter/decompose", "quarter/train", "quarter/evaluate",
                "quarter/publish");

        StageStatus decompose = stage(mf, "half", StageName.DECOMPOSE);
        assertThat(decompose.outputs.downloadedBytes).isEqualTo(decompose.outputs.fetchedBytes)
                .isEqualTo(mf.getStatus().base.bytes);
        StageStatus train = stage(mf, "half", StageName.TRAIN);
        assertThat(train.outputs.fetchedBytes).isEqualTo(train.outputs.downloadedBytes).isEqualTo(80_000);
        StageStatus evaluate = stage(mf, "half", StageName.EVALUATE);
        assertThat(evaluate.outputs.fetchedBytes).as("the base (its parent) and the data")
                .isEqualTo(mf.getStatus().base.bytes + 80_000);
        assertThat(evaluate.outputs.downloadedBytes).as("both were in the workspace cache").isZero();
        assertThat(stage(mf, "quarter", StageName.TRAIN).outputs.downloadedBytes).isZero();
        assertThat(hub.downloads()).as("every file crossed the network once")
                .extracting(HubImitation.Request::path).doesNotHaveDuplicates();
    }

    @Test
    void aBaseThatCannotBeFetchedFailsAtOnceNamingTheUriAndTheStatusNeverTheToken() {
        String ns = "hub-refuses";
        environment.put("HF_TOKEN", TOKEN);
        fake(client, ns);
        client.resource(family(ns, "hf://acme/no-such-model")).create();

        eventually(() -> assertThat(stage(get(client, ns, "micro"), "half", StageName.DECOMPOSE).phase)
                .isEqualTo(StagePhase.Failed));
        ModelFamily mf = get(client, ns, "micro");
        StageStatus decompose = stage(mf, "half", StageName.DECOMPOSE);
        assertThat(decompose.message).as("the Hub answers 401 for a repository it does not show, as the real one does")
                .contains("hf://acme/no-such-model").contains("HTTP 401").doesNotContain(TOKEN);
        assertThat(decompose.attempt).as("not retried").isEqualTo(1);
        assertThat(condition(mf, Conditions.DEGRADED).getStatus()).isEqualTo("True");
        assertThat(condition(mf, Conditions.DEGRADED).getMessage()).contains("HTTP 401").doesNotContain(TOKEN);
        assertThat(stagesRun).containsExactly("half/decompose");
    }

    private static long directorySize(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }
}
