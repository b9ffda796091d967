package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.api.Counts;
import dev.plrd.api.DecompositionSpec;
import dev.plrd.api.EvaluationSpec;
import dev.plrd.api.FactorSplit;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.Precision;
import dev.plrd.api.RankAllocation;
import dev.plrd.api.Specs;
import dev.plrd.api.StageName;
import dev.plrd.api.SvdMethod;
import dev.plrd.model.Projection;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import dev.plrd.plan.WorkerContract;
import dev.plrd.plan.Workspace;
import dev.plrd.transport.oci.OciReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * The two sides of the worker contract agree: every command line the planner writes, for the examples and
 * for generated specs, parses with the worker's own CLI into the values the planner meant.
 */
class PlannedCommandLineTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    static Stream<Arguments> specs() throws IOException {
        List<Arguments> specs = new ArrayList<>();
        try (Stream<Path> examples = Files.list(Path.of("examples"))) {
            for (Path example : examples.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                JsonNode spec = YAML.readTree(example.toFile()).get("spec");
                specs.add(Arguments.of(example.toString(), YAML.treeToValue(spec, ModelFamilySpec.class)));
            }
        }
        assertThat(specs).as("examples/ holds manifests").isNotEmpty();
        specs.add(Arguments.of("defaults", Specs.family("m1", "5B", "m2", "3.1B", "m3", "1.5B")));

        ModelFamilySpec everything = Specs.family("big", "5.5B", "small", "2B");
        everything.base.revision = null;
        Specs.training(everything.members.get(1)).learningRate = 3e-5;
        Specs.training(everything.members.get(1)).tokens = "250M";
        everything.training.precision = Precision.Float32;
        everything.training.sequenceLength = 512;
        everything.decomposition = new DecompositionSpec();
        everything.decomposition.method = SvdMethod.RANDOMIZED;
        everything.decomposition.allocation = RankAllocation.Spectrum;
        everything.decomposition.split = FactorSplit.Left;
        everything.decomposition.layers = List.of(Projection.GATE, Projection.UP, Projection.DOWN);
        everything.evaluation = new EvaluationSpec();
        everything.evaluation.dataset = "s3://corpus/held-out";
        everything.evaluation.maxPerplexityRatio = 1.25;
        everything.publish.plainHttp = true;
        specs.add(Arguments.of("every setting", everything));

        ModelFamilySpec fractions = Specs.family("r50", "1B");
        fractions.members.get(0).targetParameters = null;
        fractions.members.get(0).rankFraction = 0.5;
        specs.add(Arguments.of("rank fractions", fractions));
        return specs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void everyPlannedCommandLineParsesWithTheWorkersOwnOptions(String name, ModelFamilySpec spec) {
        Set<String> checked = new TreeSet<>();
        for (PlannedStage stage : Planner.plan(spec)) {
            CommandLine cli = PlrdCommand.commandLine();
            assertThat(cli.getSubcommands()).as("a worker command for %s", stage.id()).containsKey(stage.stage().id());
            ParseResult parsed = cli.parseArgs(stage.args().toArray(String[]::new)).subcommand();
            assertThat(parsed.commandSpec().name()).isEqualTo(stage.stage().id());
            assertEveryOptionCarriesItsPlannedValue(stage, parsed);
            Object worker = parsed.commandSpec().userObject();
            assertThat(((StageCommand) worker).result).isEqualTo(Path.of(WorkerContract.RESULT_PATH));
            assertThat(((StageCommand) worker).report).isEqualTo(Path.of(Workspace.POD.report(stage.member(), stage.stage().id())));
            if (worker instanceof DecomposeCommand d) {
                checkDecompose(spec, stage, d);
            } else if (worker instanceof TrainCommand t) {
                checkTrain(spec, stage, t);
            } else if (worker instanceof EvaluateCommand e) {
                checkEvaluate(spec, stage, e);
            } else if (worker instanceof PublishCommand p) {
                checkPublish(spec, stage, p);
            } else {
                throw new AssertionError("no check for " + worker.getClass());
            }
            checked.add(stage.stage().id());
        }
        assertThat(checked).containsExactlyInAnyOrder("decompose", "train", "evaluate", "publish");
    }

    /** Each planned option is declared by the worker, and it received exactly the planned string. */
    private static void assertEveryOptionCarriesItsPlannedValue(PlannedStage stage, ParseResult parsed) {
        List<String> args = stage.args();
        for (int i = 1; i < args.size(); i++) {
            OptionSpec option = parsed.commandSpec().findOption(args.get(i));
            assertThat(option).as("%s: the worker declares %s", stage.id(), args.get(i)).isNotNull();
            if (option.arity().max() == 0) {
                assertThat(parsed.matchedOptionValue(args.get(i), false)).as(args.get(i)).isTrue();
            } else {
                assertThat(parsed.matchedOption(args.get(i)).stringValues()).as("%s %s", stage.id(), args.get(i))
                        .containsExactly(args.get(++i));
            }
        }
    }

    private static void checkDecompose(ModelFamilySpec spec, PlannedStage stage, DecomposeCommand d) {
        assertThat(d.to).isEqualTo(Path.of(Workspace.POD.decomposed(stage.member())));
        var member = spec.members.stream().filter(m -> m.name.equals(stage.member())).findFirst().orElseThrow();
        if (member.targetParameters != null) {
            assertThat(Counts.parse(d.size.targetParameters)).isEqualTo(Counts.parse(member.targetParameters));
        } else {
            assertThat(d.size.rankFraction).isEqualTo(member.rankFraction);
        }
        DecompositionSpec decomposition = spec.decomposition != null ? spec.decomposition : new DecompositionSpec();
        if (decomposition.method != null) {
            assertThat(d.method).isEqualTo(decomposition.method.id());
        }
        if (decomposition.layers != null) {
            assertThat(d.layers).isEqualTo(String.join(",", decomposition.layers.stream().map(Projection::id).toList()));
        }
        boolean first = spec.members.get(0) == member;
        if (first) {
            assertThat(d.from).as("the base with its revision").isEqualTo(pod(Planner.baseReference(spec.base)));
        }
    }

    private static void checkTrain(ModelFamilySpec spec, PlannedStage stage, TrainCommand t) {
        assertThat(t.from).isEqualTo(Workspace.POD.decomposed(stage.member()));
        assertThat(t.to).isEqualTo(Path.of(Workspace.POD.trained(stage.member())));
        assertThat(t.data).isEqualTo(pod(spec.training.dataset));
        assertThat(t.resume).isTrue();
        assertThat(t.state).isEqualTo(Path.of(Workspace.POD.trainState(stage.member(), stage.fingerprint())));
        var member = spec.members.stream().filter(m -> m.name.equals(stage.member())).findFirst().orElseThrow();
        if (member.training != null && member.training.learningRate != null) {
            assertThat(t.learningRate).isEqualTo(member.training.learningRate);
        }
        if (member.training != null && member.training.tokens != null) {
            assertThat(Counts.parse(t.tokens)).isEqualTo(Counts.parse(member.training.tokens));
        }
        if (spec.training.sequenceLength != null) {
            assertThat(t.sequenceLength).isEqualTo(spec.training.sequenceLength);
        }
        if (spec.training.precision != null) {
            assertThat(t.precision).isEqualTo(spec.training.precision.name().toLowerCase(Locale.ROOT));
        }
    }

    private static void checkEvaluate(ModelFamilySpec spec, PlannedStage stage, EvaluateCommand e) {
        assertThat(e.model).isEqualTo(Workspace.POD.trained(stage.member()));
        EvaluationSpec evaluation = spec.evaluation != null ? spec.evaluation : new EvaluationSpec();
        assertThat(e.data).isEqualTo(pod(evaluation.dataset != null ? evaluation.dataset : spec.training.dataset));
        assertThat(e.decomposed).isEqualTo(Workspace.POD.decomposed(stage.member()));
        assertThat(e.split).isEqualTo(evaluation.dataset != null ? "all" : "held-out");
        assertThat(e.maxPerplexityRatio).isEqualTo(evaluation.maxPerplexityRatio);
        assertThat(e.parent).isNotNull();
        assertThat(e.parentReport).isNotNull();
    }

    private static void checkPublish(ModelFamilySpec spec, PlannedStage stage, PublishCommand p) {
        assertThat(p.model).isEqualTo(Workspace.POD.trained(stage.member()));
        assertThat(OciReference.parse(p.to).tag()).as("the tag is the member").isEqualTo(stage.member());
        assertThat(p.to).isEqualTo(pod(spec.publish.repository) + ":" + stage.member());
        assertThat(p.evaluation).isEqualTo(Path.of(Workspace.POD.report(stage.member(), StageName.EVALUATE.id())));
        boolean first = spec.members.get(0).name.equals(stage.member());
        if (first) {
            assertThat(p.parentUri).isEqualTo(Planner.baseReference(spec.base));
            assertThat(p.baseReport).isEqualTo(Path.of(Workspace.POD.report(stage.member(), StageName.DECOMPOSE.id())));
            assertThat(p.parentReport).isNull();
        } else {
            int index = spec.members.stream().map(m -> m.name).toList().indexOf(stage.member());
            String previous = spec.members.get(index - 1).name;
            assertThat(p.parentReport).isEqualTo(Path.of(Workspace.POD.report(previous, StageName.PUBLISH.id())));
            assertThat(p.parentUri).isNull();
        }
        assertThat(p.plainHttp).isEqualTo(Boolean.TRUE.equals(spec.publish.plainHttp));
    }

    /** A URI as a stage pod reads it: relative file:// and oci-layout:// paths lie in the workspace volume. */
    private static String pod(String uri) {
        return Planner.inWorkspace(uri, Workspace.POD);
    }
}
