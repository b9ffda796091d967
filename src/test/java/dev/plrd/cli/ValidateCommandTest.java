package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** `plrd validate` on input that is not a well-formed ModelFamily: it names the file and the field, and goes on. */
class ValidateCommandTest {
    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }

    static String manifest(String name, String spec) {
        return """
                apiVersion: plrd.dev/v1alpha1
                kind: ModelFamily
                metadata:
                  name: %s
                spec:
                %s""".formatted(name, spec.indent(2));
    }

    static String spec(String members) {
        return """
                base:
                  uri: file:///models/tiny
                members:
                %straining:
                  dataset: file:///data/corpus.txt
                publish:
                  repository: localhost:5000/plrd/tiny
                """.formatted(members.indent(2));
    }

    static final String TWO_MEMBERS = """
            - name: half
              rankFraction: 0.5
            - name: quarter
              rankFraction: 0.25
            """;

    @Test
    void malformedYamlIsOneLineNamingFileLineAndColumnAndLaterFilesAreStillChecked() throws IOException {
        Path broken = write("broken.yaml", "apiVersion: plrd.dev/v1alpha1\nkind: ModelFamily\nspec: [unclosed\n");
        Path good = write("good.yaml", manifest("fam", spec(TWO_MEMBERS)));
        Plrd.Run r = Plrd.run("validate", broken, good);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith(broken + " (document 1): line 3, column 16: while parsing a flow sequence:"
                + " expected ',' or ']'").doesNotContain("Exception");
        assertThat(r.out()).contains(good + " (document 1): ModelFamily fam is valid");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "---\n", "null\n", "---\n---\n", "# only a comment\n"})
    void aFileWithoutAModelFamilyIsAnError(String content) throws IOException {
        Path file = write("empty.yaml", content);
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(file + ": no ModelFamily document" + System.lineSeparator());
    }

    @Test
    void aScalarDocumentIsNotAModelFamily() throws IOException {
        Path file = write("hello.yaml", "hello\n");
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(file + " (document 1): is a string, expected plrd.dev/v1alpha1 ModelFamily");
    }

    @Test
    void aMappingWithoutApiVersionAndKindIsNamedAsSuch() throws IOException {
        Path file = write("plain.yaml", "name: fam\n");
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(file + " (document 1): is (no apiVersion) (no kind), expected plrd.dev/v1alpha1"
                + " ModelFamily" + System.lineSeparator());
    }

    @Test
    void aDirectoryOrAMissingFileIsNamed() throws IOException {
        Path directory = Files.createDirectory(dir.resolve("family.yaml"));
        Plrd.Run r = Plrd.run("validate", directory, dir.resolve("absent.yaml"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(directory + ": is a directory, expected a YAML file")
                .contains(dir.resolve("absent.yaml") + ": no such file");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoIsRefusedInsteadOfReadUntilAWriterComes() throws Exception {
        Path fifo = dir.resolve("family.yaml");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo is not available");
        Plrd.Run r = Plrd.run("validate", fifo);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(fifo + ": is not a regular file, expected a YAML file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fam.v1", "0123456789012345678901234567890123456789012345678901234567890123"})
    void aFamilyNameMustBeADnsLabelOfAtMost63Characters(String name) throws IOException {
        Path file = write("fam.yaml", manifest(name, spec(TWO_MEMBERS)));
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(file + " (document 1): " + name + ": (object): metadata.name must be a DNS-1123"
                + " label of at most 63 characters: lowercase letters, digits and '-', starting and ending with a"
                + " letter or digit" + System.lineSeparator());
    }

    @Test
    void severalNodesNeedTrainingGpusAndDjlComputesOnOneGpu() throws IOException {
        String sharedWorkspace = "storage:\n  accessMode: ReadWriteMany\n";
        String twoNodesOnCpus = spec(TWO_MEMBERS) + sharedWorkspace + "scheduling:\n  gpu:\n    count: 0\n    nodes: 2\n";
        Path file = write("nodes.yaml", manifest("fam", twoNodesOnCpus));
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(file + " (document 1): fam: spec.scheduling.gpu: nodes greater than 1 needs GPUs"
                + " on the train stage: count of at least 1, and train among stages" + System.lineSeparator());

        String djlOnFourGpus = spec(TWO_MEMBERS).replace("  dataset:", "  engine: DJL\n  dataset:")
                + "scheduling:\n  gpu:\n    count: 4\n";
        file = write("djl.yaml", manifest("fam", djlOnFourGpus));
        r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(file + " (document 1): fam: spec: training.engine DJL computes on one GPU: with"
                + " scheduling.gpu.count or scheduling.gpu.nodes above 1 for the train or evaluate stage, set"
                + " training.engine to Auto or Torch" + System.lineSeparator());

        String torchOnTwoNodes = djlOnFourGpus.replace("engine: DJL", "engine: Torch")
                .replace("count: 4", "count: 4\n    nodes: 2");
        file = write("rwo.yaml", manifest("fam", torchOnTwoNodes));
        r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(file + " (document 1): fam: spec: scheduling.gpu.nodes above 1 needs"
                + " storage.accessMode ReadWriteMany (with a storage class that provides it, such as NFS or a cloud"
                + " file store): every node of the train stage mounts the workspace" + System.lineSeparator());

        file = write("torch.yaml", manifest("fam", torchOnTwoNodes + sharedWorkspace));
        r = Plrd.run("validate", file);
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void aNameTheApiServerRefusesForEveryObjectIsNamedAsSuch() throws IOException {
        Path file = write("fam.yaml", manifest("Bad_Name", spec(TWO_MEMBERS)));
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith(file + " (document 1): Bad_Name: metadata.name: must be a DNS-1123 subdomain");
    }

    @Test
    void unknownFieldsAnywhereAreRefusedAsStrictDecodingRefusesThem() throws IOException {
        String yaml = manifest("fam", spec(TWO_MEMBERS).replace("members:", "foo: 1\nmembers:")
                .replace("rankFraction: 0.5", "rankFraction: 0.5\n    extra: x"))
                .replace("  name: fam", "  name: fam\n  bogus: 1") + "specs: 1\n";
        Path file = write("unknown.yaml", yaml);
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        String at = file + " (document 1): fam: ";
        assertThat(r.err().lines()).containsExactly(
                at + "metadata.bogus: unknown field \"metadata.bogus\"",
                at + "spec.foo: unknown field \"spec.foo\"",
                at + "spec.members[0].extra: unknown field \"spec.members[0].extra\"",
                at + "specs: unknown field \"specs\"");
    }

    @Test
    void duplicateKeysAreRefusedWithTheirPath() throws IOException {
        String yaml = manifest("fam", spec(TWO_MEMBERS).replace("  dataset: file:///data/corpus.txt",
                "  dataset: file:///data/corpus.txt\n  dataset: file:///data/other.txt"));
        Path file = write("dup.yaml", yaml);
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly(
                file + " (document 1): fam: spec.training.dataset: duplicate field \"spec.training.dataset\"");
    }

    @Test
    void sizesAreComparedAsNumbersNotAsText() throws IOException {
        Path file = write("fam.yaml", manifest("fam", spec("""
                - name: three
                  targetParameters: 3B
                - name: same
                  targetParameters: 3000M
                """)));
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(file + " (document 1): fam: spec.members: members must be ordered from largest"
                + " to smallest, each strictly smaller than the one before");
    }

    @Test
    void aRevisionThatCouldBeReadAsAnOptionOrAnAtFileIsRefused() throws IOException {
        Path file = write("fam.yaml", manifest("fam", spec(TWO_MEMBERS).replace("uri: file:///models/tiny",
                "uri: file:///models/tiny\n  revision: \"@/proc/self/environ\"")));
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(file + " (document 1): fam: spec.base.revision: must be a commit, tag, branch"
                + " or digest");
    }

    /**
     * The list rules are quadratic in the members; a list over its maxItems must be refused for its
     * size without evaluating them, as the API server does. The timeout is a safety net only.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHugeMemberListIsRefusedForItsSizeWithoutEvaluatingTheListRules() throws IOException {
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            members.append("- name: m").append(i).append("\n  targetParameters: \"").append(1_000_000 - i).append("\"\n");
        }
        Path file = write("huge.yaml", manifest("fam", spec(members.toString())));
        Plrd.Run r = Plrd.run("validate", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(file + " (document 1): fam: spec.members: Too many: 10000: must have at most 16 items");
    }
}
