package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.api.Counts;
import dev.plrd.api.MemberSpec;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Preset;
import dev.plrd.plan.Defaults;
import dev.plrd.plan.MemberRanks;
import dev.plrd.plan.ParameterCount;
import dev.plrd.plan.RankPlan;
import dev.plrd.plan.RankPlanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file in examples/ validates and plans, and its members' sizes hold on the model its base names: the
 * config-only presets of the 7B bases and the tiny preset give the base's parameter count, and the ranks planned
 * from each parent reach each member's budget (PlannedCommandLineTest checks the command lines themselves).
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

    private static ModelFamilySpec spec(Path example) throws IOException {
        return YAML.treeToValue(YAML.readTree(example.toFile()).get("spec"), ModelFamilySpec.class);
    }
}
