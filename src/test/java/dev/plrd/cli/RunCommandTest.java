package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import dev.plrd.local.StatusFile;
import dev.plrd.local.TinyFamilies;
import dev.plrd.plan.WorkerContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plrd run}: a two-member tiny family end to end, a re-run after an edit, the dry run, and refusals. */
class RunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void runsTheFamilyPrintsTheTableAndRerunsOnlyWhatAnEditChanged() throws Exception {
        Path manifest = TinyFamilies.write(dir, "1K");
        Path workspace = dir.resolve("workspace");
        Plrd.Run first = Plrd.run("run", manifest, "--workspace", workspace);
        assertThat(first.code()).as(first.out() + first.err()).isZero();

        List<String> table = first.out().lines().dropWhile(l -> !l.startsWith("member ")).toList();
        assertThat(table.get(0).split(" +")).containsExactly("member", "parameters", "ranks", "ppl", "before", "ppl",
                "after", "ratio", "tokens", "seconds", "digest");
        assertThat(table.get(1)).startsWith("base ").contains("3,164,416");
        assertThat(table.get(2)).startsWith("half ").containsPattern("\\(\\d+%\\)").containsPattern("sha256:[0-9a-f]{12}\\b");
        long trained = JSON.readTree(workspace.resolve("members/quarter/train.json").toFile()).get("tokens").asLong();
        assertThat(table.get(3)).startsWith("quarter ").contains(String.format("%,d", trained));
        assertThat(first.out()).contains("fam: Succeeded, 2/2 published");

        Path statusPath = dir.resolve("fam.status.yaml");
        StatusFile recorded = StatusFile.read(statusPath);
        assertThat(recorded.generation()).isEqualTo(1);
        ModelFamilyStatus status = recorded.status();
        assertThat(status.phase).isEqualTo("Succeeded");
        MemberStatus half = status.members.get(0);
        JsonNode evaluate = JSON.readTree(workspace.resolve("members/half/evaluate.json").toFile());
        assertThat(evaluate.get("decomposedPerplexity").asDouble()).as("perplexity before healing").isPositive();
        assertThat(half.artifact.uri).startsWith("oci-layout://" + workspace.toAbsolutePath() + "/family@sha256:");
        assertThat(JSON.readTree(workspace.resolve("family/index.json").toFile()).get("manifests")).hasSize(2);
        assertThat(table.get(2)).contains(String.format("%.3f", evaluate.get("decomposedPerplexity").asDouble()),
                String.format("%.3f", half.perplexity));

        Files.writeString(manifest, Files.readString(manifest).replace("tokens: 1K\n    sequenceLength",
                "tokens: 1K\n    learningRate: 3.0e-4\n    sequenceLength"));
        Plrd.Run again = Plrd.run("run", manifest, "--workspace", workspace);
        assertThat(again.code()).as(again.out() + again.err()).isZero();
        StatusFile edited = StatusFile.read(statusPath);
        assertThat(edited.generation()).as("an edited spec is a new generation").isEqualTo(2);
        assertThat(edited.status().observedGeneration).isEqualTo(2);
        Map<String, StageStatus> before = stages(status);
        stages(edited.status()).forEach((id, s) -> {
            // quarter overrides the tokens but not the learning rate: every member trains again from its decompose on
            boolean rerun = !id.endsWith("/decompose") || id.startsWith("quarter/");
            assertThat(s.completionTime.equals(before.get(id).completionTime)).as("%s unchanged", id).isEqualTo(!rerun);
        });
        assertThat(again.out()).doesNotContain("[1/8] half/decompose");
    }

    @Test
    void theDryRunPrintsCommandsThatRunAsPrinted() throws Exception {
        Path manifest = TinyFamilies.write(dir, "1K");
        Path workspace = dir.resolve("workspace");
        Plrd.Run dry = Plrd.run("run", manifest, "--workspace", workspace, "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        List<String> lines = dry.out().lines().toList();
        assertThat(lines).hasSize(8).allSatisfy(l -> assertThat(l).startsWith(WorkerContract.WORKSPACE_ENV + "="
                + workspace.toAbsolutePath() + " plrd "));
        assertThat(Files.exists(dir.resolve("fam.status.yaml"))).as("a dry run records nothing").isFalse();

        String[] words = lines.get(0).split(" ");
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.put(WorkerContract.WORKSPACE_ENV, words[0].substring(words[0].indexOf('=') + 1));
        assertThat(words[1]).isEqualTo("plrd");
        int code = PlrdCommand.commandLine(environment).execute(Arrays.copyOfRange(words, 2, words.length));
        assertThat(code).isZero();
        assertThat(workspace.resolve("members/half/decomposed/config.json")).exists();
        assertThat(workspace.resolve("members/half/decompose.json")).exists();
    }

    @Test
    void aStageThatFailsForGoodStopsTheFamilyAndTheRunSaysWhy() throws Exception {
        Path manifest = TinyFamilies.write(dir, "1K");
        Files.writeString(manifest, Files.readString(manifest).replace("file://tiny-base", "file://no-such-base"));
        Plrd.Run r = Plrd.run("run", manifest, "--workspace", dir.resolve("workspace"));
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(WorkerContract.EXIT_FAILED);
        assertThat(r.out()).contains("[1/8] half/decompose failed (exit " + WorkerContract.EXIT_INVALID_INPUT + ")")
                .contains("fam: Failed, 0/2 published")
                .contains("half/decompose: InvalidInput: ").contains("no-such-base: no such checkpoint directory")
                .doesNotContain("half/train started");
        ModelFamilyStatus status = StatusFile.read(dir.resolve("fam.status.yaml")).status();
        assertThat(status.phase).isEqualTo("Failed");
        assertThat(stages(status).get("half/decompose").attempt).as("bad input is not retried").isEqualTo(1);
        assertThat(stages(status).get("half/train").phase).isEqualTo(StagePhase.Pending);
    }

    @Test
    void aManifestTheCrdRefusesIsNotRun() throws Exception {
        Path manifest = TinyFamilies.write(dir, "1K");
        Files.writeString(manifest, Files.readString(manifest).replace("oci-layout://family", "oci-layout://../family"));
        Plrd.Run r = Plrd.run("run", manifest, "--workspace", dir.resolve("workspace"));
        assertThat(r.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(r.err()).contains("fam: spec.publish.repository: must be a registry repository");
        assertThat(Files.exists(dir.resolve("fam.status.yaml"))).isFalse();
    }

    private static Map<String, StageStatus> stages(ModelFamilyStatus status) {
        Map<String, StageStatus> stages = new LinkedHashMap<>();
        for (MemberStatus m : status.members) {
            m.stages.forEach(s -> stages.put(m.name + "/" + s.name.id(), s));
        }
        return stages;
    }
}
