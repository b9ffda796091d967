package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.plan.WorkerContract;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.modelpack.TinyCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd pull` restores what `plrd publish` wrote, and refuses what it cannot restore faithfully. */
class PullCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path member;
    Path layout;
    String digest;

    @BeforeEach
    void published() throws IOException {
        member = TinyCheckpoint.write(dir.resolve("m1"));
        Path evaluation = Files.writeString(dir.resolve("evaluate.json"), "{\"perplexity\": 12.0}");
        layout = dir.resolve("family");
        Plrd.Run run = Plrd.run("publish", "--model", member, "--to", "oci-layout://" + layout + ":m1",
                "--evaluation", evaluation, "--parent-uri", "hf://org/base", "--report", dir.resolve("publish.json"));
        assertThat(run.code()).as(run.err()).isZero();
        digest = JSON.readTree(dir.resolve("publish.json").toFile()).get("digest").asText();
    }

    @Test
    void byTagAndByDigestTheCheckpointComesBackByteForByte() throws IOException {
        Map<String, byte[]> expected = TinyCheckpoint.contents(member);
        for (String reference : new String[] {":m1", "@" + digest}) {
            Path to = dir.resolve("pulled" + reference.charAt(0));
            Plrd.Run run = Plrd.run("pull", "oci-layout://" + layout + reference, "--to", to,
                    "--report", dir.resolve("pull.json"));
            assertThat(run.code()).as(run.err()).isZero();
            Map<String, byte[]> actual = TinyCheckpoint.contents(to);
            assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
            expected.forEach((name, bytes) -> assertThat(actual.get(name)).as(name).isEqualTo(bytes));
            JsonNode result = JSON.readTree(dir.resolve("pull.json").toFile());
            assertThat(result.get("digest").asText()).isEqualTo(digest);
            assertThat(result.get("uri").asText()).isEqualTo(to.toAbsolutePath().toString());
        }
    }

    @Test
    void aTamperedBlobExitsWithTheInvalidInputCodeNamingItsDigest() throws IOException {
        String weights = JSON.readTree(layout.resolve("blobs/sha256/" + Sha256.hex(digest)).toFile())
                .get("layers").get(0).get("digest").asText();
        Path blob = layout.resolve("blobs/sha256/" + Sha256.hex(weights));
        byte[] bytes = Files.readAllBytes(blob);
        bytes[100] ^= 0x40;
        Files.write(blob, bytes);

        Path to = dir.resolve("pulled");
        Plrd.Run run = Plrd.run("pull", "oci-layout://" + layout + ":m1", "--to", to);

        assertThat(run.code()).as(run.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(run.err()).contains(weights).contains("corrupt");
        assertThat(to).doesNotExist();
    }

    @Test
    void aMissingTagOrAMalformedReferenceIsNamed() {
        Plrd.Run missing = Plrd.run("pull", "oci-layout://" + layout + ":m9", "--to", dir.resolve("x"));
        assertThat(missing.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(missing.err()).contains("oci-layout://" + layout + ":m9: no such artifact");

        Plrd.Run malformed = Plrd.run("pull", "not a reference", "--to", dir.resolve("x"));
        assertThat(malformed.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(malformed.err()).contains("REF not a reference: not an artifact reference");
    }
}
