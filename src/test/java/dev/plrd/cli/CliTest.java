package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd validate` and `plrd plan` judge manifests outside a cluster, as the API server would. */
class CliTest {
    @TempDir
    Path dir;



    private Path write(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }

    private static String family(String membersYaml) {
        return """
                apiVersion: plrd.dev/v1alpha1
                kind: ModelFamily
                metadata:
                  name: fam
                spec:
                  base:
                    uri: file:///models/tiny
                  members:
                %s
                  training:
                    dataset: file:///data/corpus.txt
                  publish:
                    repository: localhost:5000/plrd/tiny
                """.formatted(membersYaml);
    }

    @Test
    void validateAcceptsTheExamples() throws IOException {
        // the families; the cluster setups beside them (kueue/, autoscaling/, trainer/) have tests of their own
        try (var files = Files.list(Path.of("examples"))) {
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("validate"),
                    files.filter(Files::isRegularFile).map(Path::toString).sorted()).toArray(String[]::new);
            Plrd.Run r = Plrd.run(args);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("is valid");
        }
    }

    @Test
    void validateNamesFileDocumentAndFieldOfEachViolation() throws IOException {
        Path file = write("bad.yaml", family("""
                    - name: small
                      targetParameters: 1B
                    - name: big
                      targetParameters: 2B
                """) + "---\n" + family("""
                    - name: only
                      rankFraction: 1.5
                """));
        Plrd.Run r = Plrd.run("validate", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(file + " (document 1): fam: spec.members: members must be ordered from largest"
                + " to smallest")
                .contains(file + " (document 2): fam: spec.members[0].rankFraction: must be greater than 0 and less than 1");
    }

    @Test
    void validateRefusesWhatIsNotAModelFamily() throws IOException {
        Path file = write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        Plrd.Run r = Plrd.run("validate", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(file + " (document 1): is v1 ConfigMap, expected plrd.dev/v1alpha1 ModelFamily");
        Plrd.Run missing = Plrd.run("validate", dir.resolve("absent.yaml").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("absent.yaml: no such file");
    }

    @Test
    void planPrintsTheStagesInOrderWithTheirCommandLines() throws IOException {
        Path file = write("fam.yaml", family("""
                    - name: half
                      rankFraction: 0.5
                    - name: quarter
                      rankFraction: 0.25
                """));
        Plrd.Run r = Plrd.run("plan", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String out = r.out();
        assertThat(out.indexOf("half/decompose")).isLessThan(out.indexOf("half/train"));
        assertThat(out.indexOf("half/publish")).isLessThan(out.indexOf("quarter/decompose"));
        assertThat(out).contains("plrd decompose --from file:///models/tiny --to /workspace/members/half/decomposed"
                + " --rank-fraction 0.5")
                .contains("plrd decompose --from /workspace/members/half/trained --to /workspace/members/quarter/decomposed")
                .contains("half/train                       gpus=1");
    }
}
