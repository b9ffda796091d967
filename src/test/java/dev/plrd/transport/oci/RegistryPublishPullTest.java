package dev.plrd.transport.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.cli.PlrdCommand;
import dev.plrd.plan.WorkerContract;
import dev.plrd.transport.modelpack.TinyCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `plrd publish` and `plrd pull` as the stage worker runs them, against a real registry (Debian's
 * docker-registry on 127.0.0.1): two members with their lineage, a byte-identical pull, and a
 * re-publish that uploads nothing and gives the same digest.
 */
class RegistryPublishPullTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    DockerRegistryServer registry;
    Path member;
    Path evaluation;

    @BeforeEach
    void registryAndMember() throws Exception {
        assumeThat(DockerRegistryServer.installed()).as(DockerRegistryServer.missing()).isTrue();
        registry = DockerRegistryServer.start(Files.createDirectories(dir.resolve("registry")));
        member = TinyCheckpoint.write(dir.resolve("m1"));
        evaluation = Files.writeString(dir.resolve("evaluate.json"), "{\"perplexity\": 12.0, \"parentPerplexity\": 11.5}");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (registry != null) {
            registry.close();
        }
    }

    private String reference(String tag) {
        return "oci://" + registry.host() + "/plrd/family:" + tag;
    }

    private JsonNode publish(String tag, String... lineage) throws IOException {
        Path report = dir.resolve(tag + "-publish.json");
        String[] args = {"publish", "--model", member.toString(), "--to", reference(tag), "--evaluation",
                evaluation.toString(), "--plain-http", "--report", report.toString()};
        String[] all = new String[args.length + lineage.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(lineage, 0, all, args.length, lineage.length);
        assertThat(PlrdCommand.commandLine().execute(all)).as("plrd publish %s", tag).isEqualTo(WorkerContract.EXIT_OK);
        return JSON.readTree(report.toFile());
    }

    private long uploads() throws IOException {
        return registry.requests("POST", "/blobs/uploads/") + registry.requests("PUT", "/blobs/uploads/")
                + registry.requests("PATCH", "/blobs/uploads/");
    }

    @Test
    void membersGoToTheRegistryAndComeBackByteForByte() throws IOException {
        JsonNode first = publish("m1", "--parent-uri", "hf://org/base@5f1c2d");
        String digest = first.get("digest").asText();
        assertThat(first.get("uri").asText()).isEqualTo("oci://" + registry.host() + "/plrd/family@" + digest);
        JsonNode second = publish("m2", "--parent-report", dir.resolve("m1-publish.json").toString());

        try (ArtifactStore store = ArtifactStores.open(OciReference.parse(reference("m2")),
                new ArtifactStores.Options(true))) {
            JsonNode manifest = JSON.readTree(store.getManifest("m2").orElseThrow().bytes());
            assertThat(manifest.get("annotations").toString()).contains(digest);
            assertThat(store.getManifest("m2").orElseThrow().digest()).isEqualTo(second.get("digest").asText());
        }

        Path pulled = dir.resolve("pulled");
        assertThat(PlrdCommand.commandLine().execute("pull", reference("m1"), "--plain-http", "--to", pulled.toString()))
                .isEqualTo(WorkerContract.EXIT_OK);
        Map<String, byte[]> expected = TinyCheckpoint.contents(member);
        Map<String, byte[]> actual = TinyCheckpoint.contents(pulled);
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((name, bytes) -> assertThat(actual.get(name)).as(name).isEqualTo(bytes));
    }

    @Test
    void publishingAgainUploadsNothingAndGivesTheSameDigest() throws IOException {
        String digest = publish("m1", "--parent-uri", "hf://org/base").get("digest").asText();
        long before = uploads();

        String again = publish("m1", "--parent-uri", "hf://org/base").get("digest").asText();

        assertThat(again).isEqualTo(digest);
        assertThat(uploads()).as("uploads of the second publish").isEqualTo(before);
        assertThat(registry.requests("PUT", "/v2/plrd/family/manifests/")).as("manifest writes").isEqualTo(1);
    }

    @Test
    void theFirstMemberMountsWhatItSharesWithABaseInAnotherRepositoryOfTheRegistry() throws IOException {
        String base = "oci://" + registry.host() + "/plrd/base";
        Path report = dir.resolve("base-publish.json");
        assertThat(PlrdCommand.commandLine().execute("publish", "--model", member.toString(), "--to", base + ":v1",
                "--evaluation", evaluation.toString(), "--plain-http", "--report", report.toString()))
                .isEqualTo(WorkerContract.EXIT_OK);
        String baseDigest = JSON.readTree(report.toFile()).get("digest").asText();
        long putsBefore = registry.requests("PUT", "/v2/plrd/family/blobs/uploads/");

        publish("m1", "--parent-uri", base + "@" + baseDigest);

        assertThat(registry.requests("POST", "/v2/plrd/family/blobs/uploads/?mount=")).as("mount requests")
                .isPositive();
        assertThat(registry.requests("PUT", "/v2/plrd/family/blobs/uploads/") - putsBefore)
                .as("blobs uploaded rather than mounted: only the config blob, whose lineage differs").isEqualTo(1);
    }
}
