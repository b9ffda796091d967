package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd plan` prints each member's training memory per GPU and time, and refuses a family that cannot fit. */
class PlanMemoryTableTest {
    @TempDir
    Path dir;

    @Test
    void theExamplePrintsOneRowPerMemberAfterTheStages() {
        Plrd.Run r = Plrd.run("plan", Path.of("examples/mistral-7b-family.yaml"));
        assertThat(r.code()).isEqualTo(0);
        assertThat(r.out()).contains("  training per GPU on 8 x NVIDIA-H100-80GB-HBM3 (79.6 GiB each, 74.7 GiB usable; "
                + "time at 40% MFU, assumed):");
        assertThat(r.out().lines().filter(l -> l.startsWith("    member ")))
                .containsExactly("    member            params   seq x mb     state  gathered activations checkpointed "
                        + "   logits      peak  fit                     step  training");
        // 16 x 5.00B / 8 GPUs = 9.3 GiB of state; 4096 x 4 tokens through 32 layers need checkpointing
        assertThat(r.out().lines().filter(l -> l.startsWith("    mistral-5b ")).findFirst().orElseThrow())
                .matches("    mistral-5b +5\\.00B +4096 x 4 +9\\.3 +\\d+\\.\\d +9\\d\\.\\d +\\d\\.\\d +4\\.9 +\\d+\\.\\d +"
                        + "needs checkpointing +\\d+\\.\\d s +\\dh\\d\\dm");
        assertThat(r.out()).contains("    mistral-3b         3.10B   4096 x 4       5.8");
        assertThat(r.out().indexOf("mistral-3b/publish")).isLessThan(r.out().indexOf("training per GPU"));
    }

    @Test
    void aFamilyThatCannotFitIsRefusedNamingTheMember() throws IOException {
        Path file = dir.resolve("small-gpu.yaml");
        Files.writeString(file, Files.readString(Path.of("examples/mistral-7b-family.yaml"))
                .replace("count: 8", "count: 1").replace("NVIDIA-H100-80GB-HBM3", "NVIDIA-L4"));
        Plrd.Run r = Plrd.run("plan", file);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith(file + " (document 1): mistral-family: member mistral-5b (5.00B parameters) "
                        + "does not fit: training needs ")
                .contains("at sequence length 4096 and micro-batch 4 on 1 GPU(s) of 22.5 GiB, which leave 20.4 GiB usable")
                .contains("raise spec.scheduling.gpu.count");
    }

    @Test
    void anUnknownBaseIsPlannedFromTheConfigGiven() throws IOException {
        Path file = dir.resolve("fam.yaml");
        Files.writeString(file, ValidateCommandTest.manifest("fam", ValidateCommandTest.spec(ValidateCommandTest.TWO_MEMBERS)
                + "scheduling:\n  gpu:\n    count: 1\n    memory: 16Gi\n"));
        Plrd.Run unknown = Plrd.run("plan", file);
        assertThat(unknown.code()).isEqualTo(0);
        assertThat(unknown.out()).contains("  training memory not planned: the architecture of file:///models/tiny is not "
                + "known before it is fetched; pass --base-config with its config.json");

        Plrd.Run given = Plrd.run("plan", "--base-config", "tiny", file);
        assertThat(given.code()).isEqualTo(0);
        assertThat(given.out()).contains("training per GPU on 1 x an unnamed GPU (16.0 GiB each, 14.3 GiB usable;")
                .containsPattern("\n    half +\\d\\.\\dM +512 x 4 .* fits +- +-\n")
                .containsPattern("\n    quarter +\\d\\.\\dM +512 x 4 .* fits +- +-\n");

        Plrd.Run bad = Plrd.run("plan", "--base-config", "no-such-preset", file);
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: --base-config unknown preset 'no-such-preset'");
    }
}
