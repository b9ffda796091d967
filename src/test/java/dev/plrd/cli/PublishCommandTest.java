package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.MicroModel;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.modelpack.ModelPackAnnotations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd publish` end to end into an OCI image layout, as the planner calls it. */
class PublishCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path member;
    Path evaluation;
    Path layout;

    @BeforeEach
    void decomposedAndEvaluatedMember() throws IOException {
        Path base = dir.resolve("base");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), base, 3);
        Files.writeString(base.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}}");
        member = dir.resolve("m1");
        Plrd.Run decompose = Plrd.run("decompose", "--from", base, "--to", member, "--rank-fraction", "0.5",
                "--report", dir.resolve("decompose.json"));
        assertThat(decompose.code()).as(decompose.err()).isZero();
        evaluation = Files.writeString(dir.resolve("evaluate.json"),
                "{\"uri\":\"" + member + "\",\"loss\":2.5,\"perplexity\":12.18,\"parentPerplexity\":11.6,"
                        + "\"evaluation\":\"file:///data split=held-out tokens=1000 seed=0 seq=64\"}");
        layout = dir.resolve("family");
    }

    private Plrd.Run publish(String tag, Path model, Object... lineage) {
        Object[] args = {"publish", "--model", model, "--to", "oci-layout://" + layout + ":" + tag, "--evaluation",
                evaluation, "--result", dir.resolve(tag + ".result"), "--report", dir.resolve(tag + ".json")};
        Object[] all = new Object[args.length + lineage.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(lineage, 0, all, args.length, lineage.length);
        return Plrd.run(all);
    }

    private JsonNode blob(String digest) throws IOException {
        return JSON.readTree(layout.resolve("blobs/sha256/" + Sha256.hex(digest)).toFile());
    }

    @Test
    void theResultCarriesTheReferenceWithItsDigestAndTheManifestItsFacts() throws IOException {
        Plrd.Run run = publish("m1", member, "--parent-uri", "hf://org/base@5f1c2d");
        assertThat(run.code()).as(run.err()).isZero();

        JsonNode result = JSON.readTree(dir.resolve("m1.result").toFile());
        assertThat(result).isEqualTo(JSON.readTree(dir.resolve("m1.json").toFile()));
        String digest = result.get("digest").asText();
        assertThat(digest).matches("sha256:[0-9a-f]{64}");
        assertThat(result.get("uri").asText()).isEqualTo("oci-layout://" + layout + "@" + digest);
        JsonNode decomposed = JSON.readTree(dir.resolve("decompose.json").toFile());
        assertThat(result.get("parameters").asLong()).isEqualTo(decomposed.get("parameters").asLong());

        JsonNode annotations = blob(digest).get("annotations");
        assertThat(annotations.get(ModelPackAnnotations.RANKS).asText()).isEqualTo(decomposed.get("ranks").asText());
        assertThat(annotations.get(ModelPackAnnotations.PARAMETERS).asLong()).isEqualTo(decomposed.get("parameters").asLong());
        assertThat(annotations.get(ModelPackAnnotations.BASE_URI).asText()).isEqualTo("hf://org/base");
        assertThat(annotations.get(ModelPackAnnotations.BASE_REVISION).asText()).isEqualTo("5f1c2d");
        assertThat(annotations.get(ModelPackAnnotations.PERPLEXITY_RATIO).asText()).isEqualTo("1.0500");
        assertThat(annotations.get(ModelPackAnnotations.MEASURED_ON).asText()).startsWith("file:///data");
    }

    @Test
    void aLaterMemberNamesItsParentsDigest() throws IOException {
        assertThat(publish("m1", member, "--parent-uri", "hf://org/base").code()).isZero();
        String parent = JSON.readTree(dir.resolve("m1.json").toFile()).get("digest").asText();
        Path second = dir.resolve("m2");
        assertThat(Plrd.run("decompose", "--from", member, "--to", second, "--rank-fraction", "0.25").code()).isZero();

        Plrd.Run run = publish("m2", second, "--parent-report", dir.resolve("m1.json"));
        assertThat(run.code()).as(run.err()).isZero();

        JsonNode annotations = blob(JSON.readTree(dir.resolve("m2.json").toFile()).get("digest").asText()).get("annotations");
        assertThat(annotations.get(ModelPackAnnotations.PARENT_DIGEST).asText()).isEqualTo(parent);
        assertThat(annotations.get(ModelPackAnnotations.PARENT_URI).asText()).isEqualTo("oci-layout://" + layout + "@" + parent);
        assertThat(annotations.has(ModelPackAnnotations.BASE_URI)).isFalse();
        assertThat(JSON.readTree(layout.resolve("index.json").toFile()).get("manifests")).hasSize(2);
    }

    @Test
    void publishingAgainGivesTheSameDigestAndUploadsNothing() throws IOException {
        assertThat(publish("m1", member, "--parent-uri", "hf://org/base").code()).isZero();
        String first = JSON.readTree(dir.resolve("m1.json").toFile()).get("digest").asText();

        Plrd.Run again = publish("m1", member, "--parent-uri", "hf://org/base");

        assertThat(again.code()).as(again.err()).isZero();
        assertThat(JSON.readTree(dir.resolve("m1.json").toFile()).get("digest").asText()).isEqualTo(first);
        assertThat(again.err()).contains("0 of ").contains("already published");
    }

    @Test
    void badInputExitsWithTheInvalidInputCodeNamingTheFlagOrFile() throws IOException {
        String to = "oci-layout://" + layout + ":m1";
        Path missing = dir.resolve("missing.json");
        Path failed = Files.writeString(dir.resolve("failed.json"), "{\"error\":\"boom\",\"reason\":\"Failed\"}");
        expectInvalid(Plrd.run("publish", "--model", member, "--to", to, "--evaluation", missing),
                "--evaluation " + missing + ": no such file");
        expectInvalid(Plrd.run("publish", "--model", member, "--to", to, "--evaluation", failed),
                "--evaluation " + failed + ": has no \"perplexity\"");
        expectInvalid(Plrd.run("publish", "--model", member, "--to", to, "--evaluation", evaluation,
                "--parent-report", evaluation), "--parent-report " + evaluation + ": has no \"digest\"");
        expectInvalid(Plrd.run("publish", "--model", member, "--to", to, "--evaluation", evaluation,
                "--parent-uri", "hf://a/b", "--parent-report", evaluation), "are exclusive");
        expectInvalid(Plrd.run("publish", "--model", dir.resolve("nope"), "--to", to, "--evaluation", evaluation),
                "--model " + dir.resolve("nope"));
        expectInvalid(Plrd.run("publish", "--model", member, "--to", "oci-layout://" + layout, "--evaluation", evaluation),
                "--to oci-layout://" + layout + ": not an artifact reference");
        expectInvalid(Plrd.run("publish", "--model", member, "--to", "oci-layout://" + layout + "@sha256:" + "a".repeat(64),
                "--evaluation", evaluation), "needs a tag");
        assertThat(layout).doesNotExist();
    }

    @Test
    void skopeoReadsThePublishedLayout() throws Exception {
        assumeThat(Path.of("/usr/bin/skopeo")).as("skopeo is installed").exists();
        assertThat(publish("m1", member, "--parent-uri", "hf://org/base").code()).isZero();
        String digest = JSON.readTree(dir.resolve("m1.json").toFile()).get("digest").asText();

        Process inspect = new ProcessBuilder("skopeo", "inspect", "--raw", "oci:" + layout + ":m1")
                .redirectError(dir.resolve("skopeo.err").toFile()).start();
        byte[] raw = inspect.getInputStream().readAllBytes();
        assertThat(inspect.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(inspect.exitValue()).as(Files.readString(dir.resolve("skopeo.err"))).isZero();
        assertThat(Sha256.of(raw)).isEqualTo(digest);

        // a copy makes skopeo read and verify every blob against the manifest
        Process copy = new ProcessBuilder("skopeo", "copy", "--quiet", "oci:" + layout + ":m1", "dir:" + dir.resolve("copied"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("copy.log").toFile()).start();
        assertThat(copy.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(copy.exitValue()).as(Files.readString(dir.resolve("copy.log"))).isZero();
        assertThat(dir.resolve("copied/manifest.json")).hasBinaryContent(raw);
    }

    private static void expectInvalid(Plrd.Run run, String message) {
        assertThat(run.code()).as(run.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(run.err()).contains(message);
    }
}
