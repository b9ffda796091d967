package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.Specs;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import dev.plrd.cli.PlrdCommand;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.Planner;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other seam of the worker contract: the result JSON that real worker runs write (decompose, train,
 * evaluate and publish of a small model, in this JVM) is what the operator reads into the member's status.
 */
class WorkerResultIntoStatusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final StageStateMachine.Timeouts TIMEOUTS =
            new StageStateMachine.Timeouts(Duration.ofHours(1), Duration.ofHours(72));
    /** The summary format StageOutputs.ranks documents: kind:rank or kind:min-max, space-separated. */
    private static final String RANKS_FORMAT = "(q|k|v|o|gate|up|down):\\d+(-\\d+)?( (q|k|v|o|gate|up|down):\\d+(-\\d+)?)*";

    @TempDir
    Path dir;

    private final ModelFamilySpec spec = Specs.family("m1", "5B", "m2", "3.1B");
    private final Map<String, JobObservation> jobs = new HashMap<>();
    private ModelFamilyStatus status;
    private Instant now = T0;

    private FamilyDriver.Outcome reconcile() {
        FamilyDriver.Outcome outcome = FamilyDriver.drive(new FamilyDriver.Inputs(spec, 1, status, Planner.plan(spec),
                name -> jobs.getOrDefault(name, JobObservation.ABSENT),
                (stage, attempt) -> "fam-" + stage.member() + "-" + stage.stage().id() + "-" + attempt, TIMEOUTS, now));
        status = outcome.status();
        now = now.plus(Duration.ofMinutes(10));
        return outcome;
    }

    private StageStatus stage(String member, String name) {
        return status.members.stream().filter(m -> m.name.equals(member)).flatMap(m -> m.stages.stream())
                .filter(s -> s.name.id().equals(name)).findFirst().orElseThrow();
    }

    /** Runs the worker as the pod would, and returns what it left at the termination-message path. */
    private String work(String name, Object... args) throws IOException {
        Path result = dir.resolve(name + ".json");
        String[] all = new String[args.length + 2];
        for (int i = 0; i < args.length; i++) {
            all[i] = args[i].toString();
        }
        all[args.length] = WorkerContract.Flags.RESULT;
        all[args.length + 1] = result.toString();
        PlrdCommand.commandLine().execute(all);
        return Files.readString(result);
    }

    /** The current stage's Job shows the given end, and the operator reconciles. */
    private void jobEnds(String member, String name, JobObservation observation) {
        jobs.put(stage(member, name).jobName, observation);
        reconcile();
    }

    @Test
    void realResultsOfEveryStageFillTheMembersStatus() throws IOException {
        Path base = dir.resolve("base");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), base, 3);
        Path data = CountingTokens.write(dir.resolve("counting.bin"), 40_000, MicroModel.VOCAB, 2);
        Path decomposed = dir.resolve("decomposed");
        Path trained = dir.resolve("trained");
        reconcile();

        String decompose = work("decompose", "decompose", "--from", base, "--to", decomposed, "--rank-fraction", "0.5");
        jobEnds("m1", "decompose", Observations.succeeded(now, decompose));
        String train = work("train", "train", "--from", decomposed, "--to", trained, "--data", data, "--tokens", "256",
                "--seq-len", "16", "--micro-batch", "4", "--global-batch-tokens", "64", "--precision", "float32",
                "--state", dir.resolve("state"));
        jobEnds("m1", "train", Observations.succeeded(now, train));
        String evaluate = work("evaluate", "evaluate", "--model", trained, "--data", data, "--tokens", "256",
                "--seq-len", "32", "--parent", base);
        jobEnds("m1", "evaluate", Observations.succeeded(now, evaluate));
        String publish = work("publish", "publish", "--model", trained, "--to", "oci-layout://" + dir.resolve("family")
                + ":m1", "--evaluation", dir.resolve("evaluate.json"), "--parent-uri", "hf://org/base@5f1c2d");
        jobEnds("m1", "publish", Observations.succeeded(now, publish));

        JsonNode decomposeResult = JSON.readTree(decompose);
        MemberStatus m1 = status.members.get(0);
        assertThat(stage("m1", "evaluate").phase).isEqualTo(StagePhase.Succeeded);
        assertThat(m1.parameters).isEqualTo(decomposeResult.get("parameters").asLong());
        assertThat(m1.ranks).isEqualTo(decomposeResult.get("ranks").asText()).matches(RANKS_FORMAT);
        assertThat(m1.loss).isEqualTo(JSON.readTree(train).get("loss").asDouble());
        assertThat(m1.perplexity).isEqualTo(JSON.readTree(evaluate).get("perplexity").asDouble());
        assertThat(stage("m1", "decompose").outputs.relativeError).isEqualTo(decomposeResult.get("relativeError").asText());
        assertThat(stage("m1", "evaluate").outputs.parentPerplexity)
                .isEqualTo(JSON.readTree(evaluate).get("parentPerplexity").asDouble());
        JsonNode published = JSON.readTree(publish);
        assertThat(m1.artifact.digest).isEqualTo(published.get("digest").asText()).matches("sha256:[0-9a-f]{64}");
        assertThat(m1.artifact.uri).isEqualTo("oci-layout://" + dir.resolve("family") + "@" + m1.artifact.digest);
        assertThat(status.published).isEqualTo("1/2");
    }

    @Test
    void aRealFailureResultBecomesTheStagesMessage() throws IOException {
        reconcile();
        Path missing = dir.resolve("no-such-model");
        String failure = work("decompose", "decompose", "--from", missing, "--to", dir.resolve("member"),
                "--rank-fraction", "0.5");
        jobEnds("m1", "decompose", Observations.failed(now, "PodFailurePolicy", WorkerContract.EXIT_INVALID_INPUT, failure));

        StageStatus decompose = stage("m1", "decompose");
        assertThat(decompose.phase).isEqualTo(StagePhase.Failed);
        assertThat(decompose.message).contains("--from " + missing + ": no such checkpoint directory");
    }
}
