package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd plan` refuses what `plrd validate` refuses, with one line naming the file, and plans nothing. */
class PlanCommandTest {
    @TempDir
    Path dir;

    @Test
    void malformedYamlIsOneLineNamingTheFile() throws IOException {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "kind: ModelFamily\nspec: {base: [\n");
        Plrd.Run r = Plrd.run("plan", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith(file + " (document 1): line ").doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aFileWithoutAModelFamilyIsAnError() throws IOException {
        Path file = dir.resolve("null.yaml");
        Files.writeString(file, "null\n");
        Plrd.Run r = Plrd.run("plan", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(file + ": no ModelFamily document" + System.lineSeparator());
    }

    @Test
    void equalSizesWrittenDifferentlyAreRefusedBeforePlanning() throws IOException {
        Path file = dir.resolve("fam.yaml");
        Files.writeString(file, ValidateCommandTest.manifest("fam", ValidateCommandTest.spec("""
                - name: three
                  targetParameters: 3B
                - name: same
                  targetParameters: 3000M
                """)));
        Plrd.Run r = Plrd.run("plan", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("spec.members: members must be ordered from largest to smallest");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anUnknownFieldIsRefusedBeforePlanning() throws IOException {
        Path file = dir.resolve("fam.yaml");
        Files.writeString(file, ValidateCommandTest.manifest("fam", ValidateCommandTest.spec(
                ValidateCommandTest.TWO_MEMBERS)).replace("training:", "trainng:"));
        Plrd.Run r = Plrd.run("plan", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(file + " (document 1): fam: spec.trainng: unknown field \"spec.trainng\"");
        assertThat(r.out()).isEmpty();
    }
}
