package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.api.AccessMode;
import dev.plrd.api.Counts;
import dev.plrd.api.MemberSpec;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.StageName;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Preset;
import dev.plrd.plan.Defaults;
import dev.plrd.plan.KnownBases;
import dev.plrd.plan.MemberRanks;
import dev.plrd.plan.MemoryPlan;
import dev.plrd.plan.ParameterCount;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import dev.plrd.plan.RankPlan;
import dev.plrd.plan.RankPlanner;
import dev.plrd.plan.WorkerContract.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file in examples/ validates and plans, and its members' sizes hold on the model its base names: the
 * config-only presets of the 7B bases and the tiny preset give the base's parameter count, and the ranks planned
 * from each parent reach each member's budget (PlannedCommandLineTest checks the command lines themselves). The
 * paper-scale examples train where they say: Mistral on one node of 8 H100, Llama 2 on two nodes of 8 through a
 * ReadWriteMany workspace, both fitting by the memory planner, and the spot family resumes from checkpoints.
 */
class ExamplesPlanTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The base of each example, with its parameter count as published for the real model. */
    private static final Map<String, Preset> BASES = Map.of("hf://mistralai/Mistral-7B-v0.1", Preset.MISTRAL_7B_SHAPE,
            "hf://meta-llama/Llama-2-7b-hf", Preset.LLAMA2_7B_SHAPE, "file://tiny-base", Preset.TINY);
    private static final Map<Preset, Long> BASE_PARAMETERS = Map.of(Preset.MISTRAL_7B_SHAPE, 7_241_732_096L,
            Preset.LLAMA2_7B_SHAPE, 6_738_415_616L, Preset.TINY, 3_164_416L);

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("examples"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void validatesAndPlansEveryStageOfEveryMember(Path example) throws IOException {
        Plrd.Run validate = Plrd.run("validate", example);
        assertThat(validate.code()).as(validate.err()).isZero();
        Plrd.Run plan = Plrd.run("plan", example);
        assertThat(plan.code()).as(plan.err()).isZero();
        ModelFamilySpec spec = spec(example);
        for (MemberSpec m : spec.members) {
            for (String stage : new String[] {"decompose", "train", "evaluate", "publish"}) {
                assertThat(plan.out()).contains("  " + m.name + "/" + stage + " ");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void membersReachTheirSizesOnTheBasesShape(Path example) throws IOException {
        ModelFamilySpec spec = spec(example);
        Preset preset = BASES.get(spec.base.uri);
        assertThat(preset).as("%s: a preset with the shape of %s", example, spec.base.uri).isNotNull();
        ModelConfig parent = preset.config();
        long base = ParameterCount.of(parent);
        assertThat(base).isEqualTo(BASE_PARAMETERS.get(preset));
        long previous = base;
        for (MemberSpec m : spec.members) {
            MemberRanks.Size size = m.targetParameters != null
                    ? new MemberRanks.Target(Counts.parse(m.targetParameters))
                    : new MemberRanks.Fraction(m.rankFraction);
            RankPlan ranks = MemberRanks.plan(parent, Defaults.LAYERS, size, MemberRanks.Allocation.UNIFORM, module -> {
                throw new AssertionError("uniform allocation reads no spectrum");
            });
            ModelConfig member = MemberRanks.config(parent, ranks);
            assertThat(ParameterCount.of(member)).as("%s: the member's config counts what was planned", m.name)
                    .isEqualTo(ranks.parameters());
            if (size instanceof MemberRanks.Target target) {
                assertThat((double) Math.abs(ranks.parameters() - target.parameters()) / target.parameters())
                        .as("%s: %,d planned for %s", m.name, ranks.parameters(), m.targetParameters)
                        .isLessThanOrEqualTo(RankPlanner.TOLERANCE);
            }
            assertThat(ranks.parameters()).as("%s is smaller than its parent", m.name).isLessThan(previous);
            previous = ranks.parameters();
            parent = member;
        }
    }

    @Test
    void mistralTrainsOnOneNodeOfEightH100AndFitsByThePlanner() throws IOException {
        ModelFamilySpec spec = spec(Path.of("examples/mistral-7b-family.yaml"));
        List<MemoryPlan.Prediction> predictions = fittingPredictions(spec);
        assertThat(predictions).extracting(MemoryPlan.Prediction::member).containsExactly("mistral-5b", "mistral-3b");
        assertThat(predictions).allSatisfy(p -> {
            assertThat(p.gpus()).as("%s: ranks", p.member()).isEqualTo(8);
            assertThat(p.product()).isEqualTo("NVIDIA-H100-80GB-HBM3");
        });
        assertThat(trainStages(spec)).allSatisfy(train -> {
            assertThat(train.nodes()).as("%s: one node", train.id()).isEqualTo(1);
            assertThat(train.gpus()).isEqualTo(8);
            assertThat(train.torch()).as("%s: Auto with GPUs is PyTorch (FSDP2)", train.id()).isTrue();
        });
    }

    @Test
    void llamaTrainsOnTwoNodesOfEightThroughAReadWriteManyWorkspace() throws IOException {
        ModelFamilySpec spec = spec(Path.of("examples/llama2-7b-family.yaml"));
        List<MemoryPlan.Prediction> predictions = fittingPredictions(spec);
        assertThat(predictions).singleElement().satisfies(p -> {
            assertThat(p.member()).isEqualTo("llama2-3b");
            assertThat(p.gpus()).as("FSDP shards over both nodes' ranks").isEqualTo(16);
        });
        assertThat(trainStages(spec)).singleElement().satisfies(train -> {
            assertThat(train.nodes()).isEqualTo(2);
            assertThat(train.gpus()).isEqualTo(8);
            assertThat(train.torch()).isTrue();
            assertThat(train.args()).containsSequence(Flags.NODES, "2");
        });
        assertThat(spec.storage.accessMode).isEqualTo(AccessMode.ReadWriteMany);
        assertThat(spec.storage.storageClassName).isNotBlank();
        assertThat(spec.scheduling.queueName).as("Kueue admits both nodes at once").isNotBlank();

        // the second node buys time, not memory: on one node the member still fits, in about twice the time
        spec.scheduling.gpu.nodes = 1;
        MemoryPlan.Prediction oneNode = fittingPredictions(spec).get(0);
        assertThat(predictions.get(0).trainSeconds()).isLessThan(0.55 * oneNode.trainSeconds());
    }

    @Test
    void theSpotFamilysTrainStagesResumeFromCheckpointsWithinTheirTokenBudget() throws IOException {
        ModelFamilySpec spec = spec(Path.of("examples/kueue-spot-family.yaml"));
        assertThat(spec.training.checkpointEveryTokens).as("the checkpoint interval is set").isNotNull();
        long every = Counts.parse(spec.training.checkpointEveryTokens);
        assertThat(every).as("several checkpoints per member").isLessThanOrEqualTo(Counts.parse(spec.training.tokens) / 4);
        assertThat(spec.scheduling.queueName).isNotBlank();
        assertThat(spec.scheduling.retries).isNotNull();
        fittingPredictions(spec);
        assertThat(trainStages(spec)).hasSize(2).allSatisfy(train -> assertThat(train.args())
                .contains(Flags.RESUME).containsSequence(Flags.CHECKPOINT_EVERY, Long.toString(every))
                .contains(Flags.STATE));
    }

    /** The planner's predictions for an example on the base it names, each member fitting its GPUs. */
    private static List<MemoryPlan.Prediction> fittingPredictions(ModelFamilySpec spec) {
        List<MemoryPlan.Prediction> predictions = MemoryPlan.predict(spec, KnownBases.config(spec.base.uri).orElseThrow());
        assertThat(predictions).isNotEmpty().allSatisfy(p -> assertThat(p.fit()).as("%s", p.member())
                .isIn(MemoryPlan.Fit.FITS, MemoryPlan.Fit.NEEDS_CHECKPOINTING));
        assertThat(MemoryPlan.refusal(spec)).isEmpty();
        return predictions;
    }

    private static List<PlannedStage> trainStages(ModelFamilySpec spec) {
        return Planner.plan(spec).stream().filter(s -> s.stage() == StageName.TRAIN).toList();
    }

    private static ModelFamilySpec spec(Path example) throws IOException {
        return YAML.treeToValue(YAML.readTree(example.toFile()).get("spec"), ModelFamilySpec.class);
    }
}
