package dev.plrd.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamilyStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory of a local run: its generation follows the spec's content, and the status survives a restart. */
class StatusFileTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    @Test
    void aFamilyThatNeverRanHereHasGenerationZeroAndNoStatus() throws IOException {
        StatusFile none = StatusFile.read(dir.resolve("fam.status.yaml"));
        assertThat(none.generation()).isZero();
        assertThat(none.status()).isNull();
        assertThat(none.generationFor("abc")).isEqualTo(1);
    }

    @Test
    void theStatusComesBackAsWrittenBesideTheManifest() throws IOException {
        ModelFamilyStatus status = new ModelFamilyStatus();
        status.phase = "Running";
        status.observedGeneration = 3L;
        MemberStatus m = new MemberStatus();
        m.name = "m1";
        m.parameters = 1234L;
        status.members.add(m);
        Path file = StatusFile.beside(dir.resolve("family.yaml"), "fam");
        assertThat(file).isEqualTo(dir.toAbsolutePath().resolve("fam.status.yaml"));
        new StatusFile(3, "d1", status).write(file, "fam");

        StatusFile read = StatusFile.read(file);
        assertThat(read.generation()).isEqualTo(3);
        assertThat(read.specDigest()).isEqualTo("d1");
        assertThat(read.status().phase).isEqualTo("Running");
        assertThat(read.status().members.get(0).parameters).isEqualTo(1234L);
        assertThat(Files.readString(file)).startsWith("apiVersion: plrd.dev/v1alpha1\nkind: ModelFamily\n");
        assertThat(read.generationFor("d1")).as("same spec, same generation").isEqualTo(3);
        assertThat(read.generationFor("d2")).as("an edited spec is the next generation").isEqualTo(4);
    }

    @Test
    void theSpecDigestIgnoresLayoutAndKeyOrderButNotValues() throws IOException {
        String a = StatusFile.digest(YAML.readTree("base: {uri: 'file://b'}\nmembers: [{name: m, rankFraction: 0.5}]\n"));
        String b = StatusFile.digest(YAML.readTree("""
                # the same spec, written otherwise
                members:
                  - rankFraction: 0.5
                    name: m
                base:
                  uri: file://b
                """));
        String c = StatusFile.digest(YAML.readTree("base: {uri: 'file://b'}\nmembers: [{name: m, rankFraction: 0.4}]\n"));
        assertThat(a).isEqualTo(b).matches("[0-9a-f]{64}");
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void aFileWithoutAGenerationIsRefusedNamingTheFile() throws IOException {
        Path file = dir.resolve("fam.status.yaml");
        Files.writeString(file, "kind: ModelFamily\nmetadata: {name: fam}\n");
        assertThatThrownBy(() -> StatusFile.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining(file + ": metadata.generation is missing");
    }
}
