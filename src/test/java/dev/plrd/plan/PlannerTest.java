package dev.plrd.plan;

import static dev.plrd.api.Specs.BASE_URI;
import static dev.plrd.api.Specs.DATASET;
import static dev.plrd.api.Specs.REPOSITORY;
import static dev.plrd.api.Specs.REVISION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.api.DecompositionSpec;
import dev.plrd.api.EvaluationSpec;
import dev.plrd.api.FactorSplit;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.Precision;
import dev.plrd.model.Projection;
import dev.plrd.api.RankAllocation;
import dev.plrd.api.Specs;
import dev.plrd.api.StageName;
import dev.plrd.api.SvdMethod;
import dev.plrd.api.TrainingEngine;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private static ModelFamilySpec twoMembers() {
        return Specs.family("m1", "5B", "m2", "3.1B");
    }

    private static ModelFamilySpec threeMembers() {
        return Specs.family("m1", "5B", "m2", "4B", "m3", "3.1B");
    }

    private static PlannedStage stage(List<PlannedStage> plan, String id) {
        return plan.stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no stage " + id));
    }

    private static List<String> args(ModelFamilySpec spec, String id) {
        return stage(Planner.plan(spec), id).args();
    }

    /** The value after a flag, or null when the flag is absent. */
    private static String flag(List<String> args, String name) {
        int i = args.indexOf(name);
        return i < 0 ? null : args.get(i + 1);
    }

    private static Map<String, String> fingerprints(ModelFamilySpec spec) {
        Map<String, String> out = new LinkedHashMap<>();
        Planner.plan(spec).forEach(p -> out.put(p.id(), p.fingerprint()));
        return out;
    }

    /** The fingerprints of the spec after the change, applied to a copy. */
    private static Map<String, String> fingerprintsAfter(ModelFamilySpec spec, Consumer<ModelFamilySpec> change) {
        ModelFamilySpec changed = Specs.copy(spec);
        change.accept(changed);
        return fingerprints(changed);
    }

    /** The ids whose fingerprint differs between two plans of the same stages. */
    private static Set<String> changed(Map<String, String> before, Map<String, String> after) {
        assertThat(after.keySet()).containsExactlyElementsOf(before.keySet());
        return before.keySet().stream().filter(id -> !before.get(id).equals(after.get(id)))
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    @Test
    void stagesRunMemberByMemberInTheirFixedOrder() {
        List<PlannedStage> plan = Planner.plan(threeMembers());

        assertThat(plan).extracting(PlannedStage::id).containsExactly(
                "m1/decompose", "m1/train", "m1/evaluate", "m1/publish",
                "m2/decompose", "m2/train", "m2/evaluate", "m2/publish",
                "m3/decompose", "m3/train", "m3/evaluate", "m3/publish");
        assertThat(plan).allSatisfy(p -> assertThat(p.args().get(0)).isEqualTo(p.stage().id()));
    }

    @Test
    void everyStageEndsWithItsReportAndTheTerminationLog() {
        List<PlannedStage> plan = Planner.plan(twoMembers());

        assertThat(plan).allSatisfy(p -> assertThat(p.args().subList(p.args().size() - 4, p.args().size()))
                .containsExactly("--report", "/workspace/members/" + p.member() + "/" + p.stage().id() + ".json",
                        "--result", "/dev/termination-log"));
    }

    @Test
    void aLocalWorkspaceMovesEveryPathUnderItsRootAndLeavesTheResultInTheReport() {
        List<PlannedStage> plan = Planner.plan(twoMembers(), Workspace.local(java.nio.file.Path.of("/data/fam")));

        assertThat(plan).allSatisfy(p -> {
            assertThat(p.args()).doesNotContain("--result", "/dev/termination-log");
            assertThat(p.args().stream().filter(a -> a.startsWith("/"))).allMatch(a -> a.startsWith("/data/fam/"));
        });
        assertThat(fingerprints(twoMembers())).as("where the workspace lies is no input of any stage")
                .isEqualTo(plan.stream().collect(Collectors.toMap(PlannedStage::id, PlannedStage::fingerprint,
                        (a, b) -> a, LinkedHashMap::new)));
    }

    @Test
    void argumentListsAreImmutable() {
        List<String> args = Planner.plan(twoMembers()).get(0).args();

        assertThatThrownBy(() -> args.add("--extra")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Nested
    class Decompose {
        @Test
        void theFirstMemberDecomposesThePinnedBase() {
            List<String> args = args(twoMembers(), "m1/decompose");

            assertThat(args.subList(0, 5)).containsExactly("decompose", "--from", BASE_URI + "@" + REVISION,
                    "--to", "/workspace/members/m1/decomposed");
        }

        @Test
        void anUnpinnedBaseIsReadByItsUri() {
            ModelFamilySpec spec = twoMembers();
            spec.base.revision = null;

            assertThat(flag(args(spec, "m1/decompose"), "--from")).isEqualTo(BASE_URI);
        }

        @Test
        void anOciBasePinnedToADigestIsReadByTheDigestNotTheTag() {
            ModelFamilySpec spec = twoMembers();
            spec.base.uri = "oci://registry.example.com/team/models:llama";
            spec.base.revision = "sha256:" + "ab".repeat(32);

            assertThat(flag(args(spec, "m1/decompose"), "--from"))
                    .isEqualTo("oci://registry.example.com/team/models@sha256:" + "ab".repeat(32));
            spec.base.uri = "oci://registry.example.com:5000/team/models";
            assertThat(flag(args(spec, "m1/decompose"), "--from"))
                    .isEqualTo("oci://registry.example.com:5000/team/models@sha256:" + "ab".repeat(32));
        }

        @Test
        void aPvcBaseIsPassedAsItsUriForTheWorkerToFindUnderTheClaimsMount() {
            ModelFamilySpec spec = twoMembers();
            spec.base.uri = "pvc://models/mistral-7b";
            spec.base.revision = null;

            assertThat(flag(args(spec, "m1/decompose"), "--from")).isEqualTo("pvc://models/mistral-7b");
        }

        @Test
        void eachLaterMemberDecomposesThePreviousMembersTrainedCheckpoint() {
            ModelFamilySpec spec = threeMembers();

            assertThat(flag(args(spec, "m2/decompose"), "--from")).isEqualTo("/workspace/members/m1/trained");
            assertThat(flag(args(spec, "m3/decompose"), "--from")).isEqualTo("/workspace/members/m2/trained");
            assertThat(flag(args(spec, "m3/decompose"), "--to")).isEqualTo("/workspace/members/m3/decomposed");
        }

        @Test
        void theTargetIsThePlainParameterCount() {
            ModelFamilySpec spec = twoMembers();

            assertThat(flag(args(spec, "m1/decompose"), "--target-parameters")).isEqualTo("5000000000");
            assertThat(flag(args(spec, "m2/decompose"), "--target-parameters")).isEqualTo("3100000000");
            assertThat(args(spec, "m2/decompose")).doesNotContain("--rank-fraction");
        }

        @Test
        void aRankFractionIsPassedWhenUsedInsteadOfATarget() {
            ModelFamilySpec spec = twoMembers();
            spec.members.forEach(m -> m.targetParameters = null);
            spec.members.get(0).rankFraction = 0.5;
            spec.members.get(1).rankFraction = 0.25;

            assertThat(flag(args(spec, "m1/decompose"), "--rank-fraction")).isEqualTo("0.5");
            assertThat(flag(args(spec, "m2/decompose"), "--rank-fraction")).isEqualTo("0.25");
            assertThat(args(spec, "m1/decompose")).doesNotContain("--target-parameters");
        }

        @Test
        void theDecompositionDefaultsApply() {
            List<String> args = args(twoMembers(), "m1/decompose");

            assertThat(flag(args, "--method")).isEqualTo("exact");
            assertThat(flag(args, "--allocation")).isEqualTo("uniform");
            assertThat(flag(args, "--split")).isEqualTo("balanced");
            assertThat(flag(args, "--layers")).isEqualTo("q,k,v,o,gate,up,down");
        }

        @Test
        void theDecompositionSettingsArePassedOn() {
            ModelFamilySpec spec = twoMembers();
            spec.decomposition = new DecompositionSpec();
            spec.decomposition.method = SvdMethod.RANDOMIZED;
            spec.decomposition.allocation = RankAllocation.Spectrum;
            spec.decomposition.split = FactorSplit.Left;
            spec.decomposition.layers = List.of(Projection.GATE, Projection.UP, Projection.DOWN);

            for (String id : List.of("m1/decompose", "m2/decompose")) {
                List<String> args = args(spec, id);
                assertThat(flag(args, "--method")).isEqualTo("randomized");
                assertThat(flag(args, "--allocation")).isEqualTo("spectrum");
                assertThat(flag(args, "--split")).isEqualTo("left");
                assertThat(flag(args, "--layers")).isEqualTo("gate,up,down");
            }
        }
    }

    @Nested
    class Train {
        @Test
        void theTrainingDefaultsApply() {
            List<String> args = args(twoMembers(), "m1/train");

            assertThat(args.subList(0, 5)).containsExactly("train", "--from", "/workspace/members/m1/decomposed",
                    "--to", "/workspace/members/m1/trained");
            assertThat(flag(args, "--data")).isEqualTo(DATASET);
            assertThat(flag(args, "--tokens")).isEqualTo("1000000000");
            assertThat(args).as("without a sequence length the worker trains at the model's context")
                    .doesNotContain("--seq-len");
            assertThat(flag(args, "--micro-batch")).isEqualTo("4");
            assertThat(flag(args, "--global-batch-tokens")).isEqualTo("1000000");
            assertThat(Double.parseDouble(flag(args, "--lr"))).isEqualTo(1e-4);
            assertThat(flag(args, "--warmup")).isEqualTo("50");
            assertThat(flag(args, "--checkpoint-every")).isEqualTo("50000000");
            assertThat(flag(args, "--precision")).isEqualTo("mixed");
            assertThat(args).contains("--resume");
        }

        @Test
        void theFamilysTrainingSettingsArePassedOn() {
            ModelFamilySpec spec = twoMembers();
            spec.training.tokens = "2.5B";
            spec.training.sequenceLength = 4096;
            spec.training.microBatch = 2;
            spec.training.globalBatchTokens = "2M";
            spec.training.learningRate = 3e-5;
            spec.training.warmupSteps = 100;
            spec.training.checkpointEveryTokens = "100M";
            spec.training.precision = Precision.Float32;

            for (String id : List.of("m1/train", "m2/train")) {
                List<String> args = args(spec, id);
                assertThat(flag(args, "--tokens")).isEqualTo("2500000000");
                assertThat(flag(args, "--seq-len")).isEqualTo("4096");
                assertThat(flag(args, "--micro-batch")).isEqualTo("2");
                assertThat(flag(args, "--global-batch-tokens")).isEqualTo("2000000");
                assertThat(Double.parseDouble(flag(args, "--lr"))).isEqualTo(3e-5);
                assertThat(flag(args, "--warmup")).isEqualTo("100");
                assertThat(flag(args, "--checkpoint-every")).isEqualTo("100000000");
                assertThat(flag(args, "--precision")).isEqualTo("float32");
            }
        }

        @Test
        void aMembersOverridesApplyToThatMemberOnly() {
            ModelFamilySpec spec = threeMembers();
            spec.training.tokens = "1.5B";
            Specs.training(spec.members.get(1)).tokens = "3B";
            Specs.training(spec.members.get(1)).learningRate = 5e-4;

            assertThat(flag(args(spec, "m1/train"), "--tokens")).isEqualTo("1500000000");
            assertThat(flag(args(spec, "m2/train"), "--tokens")).isEqualTo("3000000000");
            assertThat(flag(args(spec, "m3/train"), "--tokens")).isEqualTo("1500000000");
            assertThat(Double.parseDouble(flag(args(spec, "m1/train"), "--lr"))).isEqualTo(1e-4);
            assertThat(Double.parseDouble(flag(args(spec, "m2/train"), "--lr"))).isEqualTo(5e-4);
            assertThat(Double.parseDouble(flag(args(spec, "m3/train"), "--lr"))).isEqualTo(1e-4);
        }

        @Test
        void theTrainingStateDirectoryIsKeyedByTheTrainFingerprint() {
            PlannedStage train = stage(Planner.plan(twoMembers()), "m2/train");

            assertThat(flag(train.args(), "--state")).isEqualTo("/workspace/members/m2/train-state/" + train.fingerprint());
        }
    }

    @Nested
    class Evaluate {
        @Test
        void withoutAnEvaluationDatasetTheHeldOutSplitOfTheTrainingDataIsUsed() {
            List<String> args = args(twoMembers(), "m1/evaluate");

            assertThat(args.subList(0, 3)).containsExactly("evaluate", "--model", "/workspace/members/m1/trained");
            assertThat(flag(args, "--data")).isEqualTo(DATASET);
            assertThat(flag(args, "--split")).isEqualTo("held-out");
            assertThat(flag(args, "--tokens")).isEqualTo("10000000");
            assertThat(flag(args, "--seed")).isEqualTo("0");
        }

        @Test
        void anEvaluationDatasetIsUsedWhole() {
            ModelFamilySpec spec = twoMembers();
            spec.evaluation = new EvaluationSpec();
            spec.evaluation.dataset = "s3://corpus/held-out";
            spec.evaluation.tokens = "20M";

            List<String> args = args(spec, "m2/evaluate");

            assertThat(flag(args, "--data")).isEqualTo("s3://corpus/held-out");
            assertThat(flag(args, "--split")).isEqualTo("all");
            assertThat(flag(args, "--tokens")).isEqualTo("20000000");
        }

        @Test
        void eachMemberIsComparedWithItsParent() {
            ModelFamilySpec spec = threeMembers();

            assertThat(flag(args(spec, "m1/evaluate"), "--parent")).as("the base, pinned as decompose reads it")
                    .isEqualTo(BASE_URI + "@" + REVISION);
            assertThat(flag(args(spec, "m1/evaluate"), "--parent-report")).isEqualTo("/workspace/base/evaluate.json");
            assertThat(flag(args(spec, "m2/evaluate"), "--parent")).isEqualTo("/workspace/members/m1/trained");
            assertThat(flag(args(spec, "m2/evaluate"), "--parent-report"))
                    .isEqualTo("/workspace/members/m1/evaluate.json");
            assertThat(flag(args(spec, "m3/evaluate"), "--parent-report"))
                    .isEqualTo("/workspace/members/m2/evaluate.json");
        }

        @Test
        void thePerplexityGateIsPassedOnlyWhenSet() {
            ModelFamilySpec spec = twoMembers();
            assertThat(args(spec, "m1/evaluate")).doesNotContain("--max-perplexity-ratio");

            spec.evaluation = new EvaluationSpec();
            spec.evaluation.maxPerplexityRatio = 1.5;

            assertThat(flag(args(spec, "m1/evaluate"), "--max-perplexity-ratio")).isEqualTo("1.5");
            assertThat(flag(args(spec, "m2/evaluate"), "--max-perplexity-ratio")).isEqualTo("1.5");
        }
    }

    @Nested
    class Publish {
        @Test
        void theFirstMemberNamesThePinnedBaseAsItsParent() {
            List<String> args = args(twoMembers(), "m1/publish");

            assertThat(args.subList(0, 7)).containsExactly("publish", "--model", "/workspace/members/m1/trained",
                    "--to", REPOSITORY + ":m1", "--evaluation", "/workspace/members/m1/evaluate.json");
            assertThat(flag(args, "--parent-uri")).isEqualTo(BASE_URI + "@" + REVISION);
            assertThat(args).doesNotContain("--parent-report", "--plain-http");
        }

        @Test
        void anUnpinnedBaseIsNamedByItsUri() {
            ModelFamilySpec spec = twoMembers();
            spec.base.revision = null;

            assertThat(flag(args(spec, "m1/publish"), "--parent-uri")).isEqualTo(BASE_URI);
        }

        @Test
        void laterMembersNameThePreviousMembersPublishReport() {
            ModelFamilySpec spec = threeMembers();

            assertThat(flag(args(spec, "m2/publish"), "--to")).isEqualTo(REPOSITORY + ":m2");
            assertThat(flag(args(spec, "m2/publish"), "--parent-report")).isEqualTo("/workspace/members/m1/publish.json");
            assertThat(flag(args(spec, "m3/publish"), "--parent-report")).isEqualTo("/workspace/members/m2/publish.json");
            assertThat(args(spec, "m3/publish")).doesNotContain("--parent-uri");
        }

        @Test
        void plainHttpIsPassedWhenSet() {
            ModelFamilySpec spec = twoMembers();
            spec.publish.plainHttp = true;

            assertThat(args(spec, "m1/publish")).contains("--plain-http");
            assertThat(args(spec, "m2/publish")).contains("--plain-http");
            assertThat(args(spec, "m2/train")).doesNotContain("--plain-http");
        }
    }

    @Nested
    class Gpus {
        private Map<String, Integer> gpus(ModelFamilySpec spec) {
            Map<String, Integer> out = new LinkedHashMap<>();
            Planner.plan(spec).forEach(p -> out.put(p.id(), p.gpus()));
            return out;
        }

        @Test
        void byDefaultOnlyTrainingGetsOneGpu() {
            assertThat(gpus(twoMembers())).containsExactly(
                    Map.entry("m1/decompose", 0), Map.entry("m1/train", 1), Map.entry("m1/evaluate", 0),
                    Map.entry("m1/publish", 0), Map.entry("m2/decompose", 0), Map.entry("m2/train", 1),
                    Map.entry("m2/evaluate", 0), Map.entry("m2/publish", 0));
        }

        @Test
        void theStagesAndCountAreConfigurable() {
            ModelFamilySpec spec = twoMembers();
            Specs.gpu(spec).count = 8;
            Specs.gpu(spec).stages = List.of(StageName.DECOMPOSE, StageName.TRAIN, StageName.EVALUATE);

            assertThat(Planner.plan(spec)).allSatisfy(p -> assertThat(p.gpus())
                    .as(p.id()).isEqualTo(p.stage() == StageName.PUBLISH ? 0 : 8));
        }

        @Test
        void aCountAloneKeepsTheDefaultStages() {
            ModelFamilySpec spec = twoMembers();
            Specs.gpu(spec).count = 4;

            assertThat(Planner.plan(spec)).allSatisfy(p -> assertThat(p.gpus())
                    .as(p.id()).isEqualTo(p.stage() == StageName.TRAIN ? 4 : 0));
        }

        @Test
        void aCountOfZeroMeansNoGpuAnywhere() {
            ModelFamilySpec spec = twoMembers();
            Specs.gpu(spec).count = 0;
            Specs.gpu(spec).stages = List.of(StageName.values());

            assertThat(gpus(spec).values()).containsOnly(0);
        }

        @Test
        void gpuSettingsDoNotChangeFingerprints() {
            ModelFamilySpec spec = twoMembers();

            assertThat(fingerprintsAfter(spec, s -> Specs.gpu(s).count = 8)).isEqualTo(fingerprints(spec));
        }
    }

    @Nested
    class Secrets {
        @Test
        void eachStageSeesOnlyTheCredentialsItNeeds() {
            List<PlannedStage> plan = Planner.plan(threeMembers());

            assertThat(stage(plan, "m1/decompose").credentials()).containsExactly(Credentials.BASE);
            assertThat(stage(plan, "m1/train").credentials()).containsExactly(Credentials.DATA);
            assertThat(stage(plan, "m1/evaluate").credentials())
                    .containsExactlyInAnyOrder(Credentials.DATA, Credentials.BASE);
            assertThat(stage(plan, "m1/publish").credentials()).containsExactly(Credentials.REGISTRY);
            for (String m : List.of("m2", "m3")) {
                assertThat(stage(plan, m + "/decompose").credentials()).isEmpty();
                assertThat(stage(plan, m + "/train").credentials()).containsExactly(Credentials.DATA);
                assertThat(stage(plan, m + "/evaluate").credentials()).containsExactly(Credentials.DATA);
                assertThat(stage(plan, m + "/publish").credentials()).containsExactly(Credentials.REGISTRY);
            }
        }
    }

    @Nested
    class Fingerprints {
        private final ModelFamilySpec spec = threeMembers();
        private final Map<String, String> base = fingerprints(spec);

        private Set<String> changedBy(Consumer<ModelFamilySpec> change) {
            return changed(base, fingerprintsAfter(spec, change));
        }

        @Test
        void areDeterministicAndDistinct() {
            assertThat(fingerprints(threeMembers())).isEqualTo(base);
            assertThat(base.values()).doesNotHaveDuplicates().allMatch(f -> f.matches("[0-9a-f]{16}"));
        }

        @Test
        void writingADefaultExplicitlyChangesNoFingerprint() {
            List<Consumer<ModelFamilySpec>> explicitDefaults = List.of(
                    s -> s.training.tokens = "1B",
                    s -> s.training.tokens = "1000M",
                    s -> s.training.learningRate = 0.0001,
                    s -> s.training.microBatch = 4,
                    s -> s.training.globalBatchTokens = "1000K",
                    s -> s.training.warmupSteps = 50,
                    s -> s.training.checkpointEveryTokens = "50M",
                    s -> s.training.precision = Precision.Mixed,
                    s -> Specs.training(s.members.get(1)).tokens = "1B",
                    s -> {
                        s.decomposition = new DecompositionSpec();
                        s.decomposition.method = SvdMethod.EXACT;
                        s.decomposition.allocation = RankAllocation.Uniform;
                        s.decomposition.split = FactorSplit.Balanced;
                        s.decomposition.layers = List.of(Projection.values());
                    },
                    s -> {
                        s.evaluation = new EvaluationSpec();
                        s.evaluation.tokens = "10M";
                    },
                    s -> s.publish.plainHttp = false);

            for (Consumer<ModelFamilySpec> change : explicitDefaults) {
                assertThat(changedBy(change)).isEmpty();
            }
        }

        @Test
        void theSameCountWrittenDifferentlyGivesTheSameFingerprints() {
            assertThat(changedBy(s -> s.members.get(2).targetParameters = "3100M")).isEmpty();
            assertThat(changedBy(s -> Specs.training(s.members.get(0)).tokens = "1000M")).isEmpty();
        }

        @Test
        void aMembersTrainingChangesItsTrainingAndEverythingDownstreamOnly() {
            assertThat(changedBy(s -> Specs.training(s.members.get(1)).tokens = "2B")).containsExactly(
                    "m2/train", "m2/evaluate", "m2/publish",
                    "m3/decompose", "m3/train", "m3/evaluate", "m3/publish");
        }

        @Test
        void aMembersTargetChangesThatMemberFromDecompositionOnAndAllLaterMembers() {
            assertThat(changedBy(s -> s.members.get(1).targetParameters = "3.9B")).containsExactly(
                    "m2/decompose", "m2/train", "m2/evaluate", "m2/publish",
                    "m3/decompose", "m3/train", "m3/evaluate", "m3/publish");
        }

        @Test
        void theLastMembersTargetChangesThatMemberOnly() {
            assertThat(changedBy(s -> s.members.get(2).targetParameters = "3B")).containsExactly(
                    "m3/decompose", "m3/train", "m3/evaluate", "m3/publish");
        }

        @Test
        void theBaseRevisionChangesEverything() {
            assertThat(changedBy(s -> s.base.revision = "main")).containsExactlyElementsOf(base.keySet());
        }

        @Test
        void familyWideSettingsChangeTheStagesThatUseThemAndWhatFollows() {
            Set<String> allButTheFirstDecomposition = new java.util.LinkedHashSet<>(base.keySet());
            allButTheFirstDecomposition.remove("m1/decompose");
            assertThat(changedBy(s -> s.training.warmupSteps = 10))
                    .containsExactlyElementsOf(allButTheFirstDecomposition);
            assertThat(changedBy(s -> {
                s.evaluation = new EvaluationSpec();
                s.evaluation.maxPerplexityRatio = 1.5;
            })).containsExactly("m1/evaluate", "m1/publish", "m2/evaluate", "m2/publish", "m3/evaluate",
                    "m3/publish");
            assertThat(changedBy(s -> s.publish.repository = "registry.example.com/other")).containsExactly(
                    "m1/publish", "m2/publish", "m3/publish");
            assertThat(changedBy(s -> s.publish.plainHttp = true)).containsExactly(
                    "m1/publish", "m2/publish", "m3/publish");
        }

        @Test
        void anyDecompositionSettingChangesEveryStage() {
            List<Consumer<DecompositionSpec>> changes = List.of(
                    d -> d.method = SvdMethod.RANDOMIZED,
                    d -> d.allocation = RankAllocation.Spectrum,
                    d -> d.split = FactorSplit.Right,
                    d -> d.layers = List.of(Projection.Q, Projection.K, Projection.V, Projection.O));

            for (Consumer<DecompositionSpec> change : changes) {
                assertThat(changedBy(s -> {
                    s.decomposition = new DecompositionSpec();
                    change.accept(s.decomposition);
                })).containsExactlyElementsOf(base.keySet());
            }
        }

        @Test
        void choosingTheTrainingDatasetForEvaluationRerunsTheEvaluations() {
            Set<String> changed = changedBy(s -> {
                s.evaluation = new EvaluationSpec();
                s.evaluation.dataset = DATASET;
            });

            assertThat(flag(args(spec, "m1/evaluate"), "--split")).isEqualTo("held-out");
            assertThat(changed).contains("m1/evaluate", "m2/evaluate", "m3/evaluate");
        }
    }

    @Nested
    class Engines {
        private List<String> engineFlags(ModelFamilySpec spec, String id) {
            List<String> args = args(spec, id);
            int i = args.indexOf("--engine");
            if (i < 0) {
                return List.of();
            }
            return args.indexOf("--nproc") == i + 2 ? args.subList(i, i + 4) : args.subList(i, i + 2);
        }

        @Test
        void autoTrainsOnTorchWhereTheStageGetsGpusAndOnDjlOnCpus() {
            ModelFamilySpec spec = twoMembers();
            assertThat(engineFlags(spec, "m1/train")).containsExactly("--engine", "torch");
            assertThat(engineFlags(spec, "m1/evaluate")).containsExactly("--engine", "djl");
            assertThat(engineFlags(spec, "m1/decompose")).isEmpty();
            assertThat(engineFlags(spec, "m1/publish")).isEmpty();

            Specs.gpu(spec).count = 0;
            assertThat(engineFlags(spec, "m2/train")).containsExactly("--engine", "djl");
        }

        @Test
        void aLocalRunGetsNoGpusSoAutoComputesOnDjlThereWithTheSameFingerprints() {
            ModelFamilySpec spec = twoMembers();
            Workspace local = Workspace.local(java.nio.file.Path.of("/data/fam"));
            List<PlannedStage> plan = Planner.plan(spec, local);
            List<String> train = stage(plan, "m1/train").args();
            assertThat(train.get(train.indexOf("--engine") + 1)).isEqualTo("djl");
            assertThat(plan).extracting(PlannedStage::fingerprint)
                    .containsExactlyElementsOf(Planner.plan(spec).stream().map(PlannedStage::fingerprint).toList());

            spec.training.engine = TrainingEngine.Torch;
            train = stage(Planner.plan(spec, local), "m1/train").args();
            assertThat(train.get(train.indexOf("--engine") + 1)).isEqualTo("torch");
            assertThat(train).doesNotContain("--nproc");
        }

        @Test
        void torchStartsOneRankPerGpuOfTheStage() {
            ModelFamilySpec spec = twoMembers();
            Specs.gpu(spec).count = 4;
            Specs.gpu(spec).stages = List.of(StageName.TRAIN, StageName.EVALUATE);
            for (String id : List.of("m1/train", "m1/evaluate", "m2/train", "m2/evaluate")) {
                assertThat(engineFlags(spec, id)).as(id).containsExactly("--engine", "torch", "--nproc", "4");
            }
        }

        @Test
        void anExplicitEngineWinsOverTheGpus() {
            ModelFamilySpec spec = twoMembers();
            spec.training.engine = TrainingEngine.DJL;
            assertThat(engineFlags(spec, "m1/train")).containsExactly("--engine", "djl");

            spec.training.engine = TrainingEngine.Torch;
            Specs.gpu(spec).count = 0;
            assertThat(engineFlags(spec, "m1/train")).containsExactly("--engine", "torch");
            assertThat(engineFlags(spec, "m1/evaluate")).containsExactly("--engine", "torch");
        }

        @Test
        void theEngineAutoChoosesLeavesEveryFingerprintAsItWas() {
            ModelFamilySpec spec = threeMembers();
            Map<String, String> before = fingerprints(spec);
            assertThat(changed(before, fingerprintsAfter(spec, s -> s.training.engine = TrainingEngine.Auto))).isEmpty();
            assertThat(changed(before, fingerprintsAfter(spec, s -> s.training.engine = TrainingEngine.Torch)))
                    .as("Torch is what Auto runs on the train stage's GPU; evaluate has none").containsExactly(
                            "m1/evaluate", "m1/publish", "m2/evaluate", "m2/publish", "m3/evaluate", "m3/publish");
            assertThat(changed(before, fingerprintsAfter(spec, s -> Specs.gpu(s).count = 8)))
                    .as("more GPUs, the same recipe").isEmpty();
        }

        @Test
        void djlOnAGpuReRunsTrainingAndEverythingAfterIt() {
            ModelFamilySpec spec = threeMembers();
            Map<String, String> before = fingerprints(spec);
            Set<String> changed = changed(before, fingerprintsAfter(spec, s -> s.training.engine = TrainingEngine.DJL));
            assertThat(changed).doesNotContain("m1/decompose").contains("m1/train", "m2/decompose", "m3/publish");
            assertThat(changed).hasSize(before.size() - 1);
        }
    }
}
