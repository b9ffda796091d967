package dev.plrd.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import dev.plrd.cli.Main;
import dev.plrd.cli.PlrdCommand;
import dev.plrd.plan.WorkerContract;
import dev.plrd.plan.Workspace;
import dev.plrd.testing.JavaProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plrd run} killed (SIGKILL, as a power loss would) once the first member's training has finished, then
 * started again: the second run starts only the stages that had not finished, each once, and the family ends
 * published. The first run is a process of its own; the second runs in this JVM with a runner that counts starts.
 */
class InterruptedRunTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final Duration PATIENCE = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    @Test
    void aKilledRunContinuesWithoutRedoingFinishedStages() throws Exception {
        Path manifest = TinyFamilies.write(dir, "24K");
        Path workspace = dir.resolve("workspace");
        Path statusPath = StatusFile.beside(manifest, "fam");

        JavaProcess first = JavaProcess.start(Main.class, dir.resolve("first.log"), "run", manifest, "--workspace",
                workspace);
        Instant deadline = Instant.now().plus(PATIENCE);
        while (!succeeded(statusPath, "half", "train")) {
            assertThat(first.process().isAlive()).as("the first run ends only when killed; see %s",
                    dir.resolve("first.log")).isTrue();
            assertThat(Instant.now()).as("the first member's training finishes").isBefore(deadline);
            Thread.sleep(50);
        }
        first.process().destroyForcibly();
        first.process().waitFor();
        ModelFamilyStatus atKill = StatusFile.read(statusPath).status();
        Map<String, StageStatus> before = stages(atKill);
        assertThat(atKill.phase).as("killed before the family was done").isNotEqualTo("Succeeded");

        Map<String, Integer> starts = new ConcurrentHashMap<>();
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.put(WorkerContract.WORKSPACE_ENV, Workspace.local(workspace).root());
        JsonNode spec = YAML.readTree(manifest.toFile()).get("spec");
        LocalFamilyRun second = new LocalFamilyRun("fam", YAML.treeToValue(spec, ModelFamilySpec.class),
                StatusFile.digest(spec), Workspace.local(workspace), statusPath, stage -> {
                    starts.merge(stage.id(), 1, Integer::sum);
                    return PlrdCommand.commandLine(environment).execute(stage.args().toArray(String[]::new));
                }, new StageConsole(new PrintStream(OutputStream.nullOutputStream()), false, Clock.systemUTC(),
                        stage -> dir.resolve(stage.member() + "-" + stage.stage().id() + ".log")),
                Clock.systemUTC());
        ModelFamilyStatus done = second.run();

        assertThat(done.phase).as(done.conditions.toString()).isEqualTo("Succeeded");
        assertThat(done.published).isEqualTo("2/2");
        Map<String, StageStatus> after = stages(done);
        assertThat(after).hasSize(8);
        after.forEach((id, stage) -> {
            StageStatus old = before.get(id);
            if (old.phase == StagePhase.Succeeded) {
                assertThat(starts).as("%s had finished", id).doesNotContainKey(id);
                assertThat(stage.completionTime).as(id).isEqualTo(old.completionTime);
                assertThat(stage.jobName).as(id).isEqualTo(old.jobName);
            } else {
                assertThat(starts.get(id)).as("%s starts once", id).isEqualTo(1);
            }
            if (old.phase == StagePhase.Running) {
                assertThat(stage.attempt).as("%s was interrupted: a second attempt", id).isEqualTo(2);
            }
        });
        assertThat(before.get("half/decompose").phase).isEqualTo(StagePhase.Succeeded);
        assertThat(before.get("half/train").phase).isEqualTo(StagePhase.Succeeded);
        assertThat(StatusFile.read(statusPath).generation()).as("the manifest did not change").isEqualTo(1);
    }

    private static boolean succeeded(Path statusPath, String member, String stage) throws IOException {
        if (!Files.exists(statusPath)) {
            return false;
        }
        ModelFamilyStatus status = StatusFile.read(statusPath).status();
        StageStatus s = status == null ? null : stages(status).get(member + "/" + stage);
        return s != null && s.phase == StagePhase.Succeeded;
    }

    private static Map<String, StageStatus> stages(ModelFamilyStatus status) {
        Map<String, StageStatus> stages = new LinkedHashMap<>();
        for (MemberStatus m : status.members) {
            m.stages.forEach(s -> stages.put(m.name + "/" + s.name.id(), s));
        }
        return stages;
    }
}
