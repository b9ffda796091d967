package dev.plrd.plan;

import dev.plrd.api.BaseModelSpec;
import dev.plrd.api.Counts;
import dev.plrd.api.DecompositionSpec;
import dev.plrd.api.EvaluationSpec;
import dev.plrd.api.GpuSpec;
import dev.plrd.api.MemberSpec;
import dev.plrd.api.MemberTrainingSpec;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.model.Projection;
import dev.plrd.api.StageName;
import dev.plrd.api.TrainingEngine;
import dev.plrd.api.TrainingSpec;
import dev.plrd.plan.WorkerContract.Flags;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a validated spec into the ordered stages of the family: for each member, largest first,
 * decompose, train, evaluate, publish. Member k decomposes member k-1's trained checkpoint (the
 * base for the first), is evaluated against it, and is published with it as its parent.
 *
 * <p>Fingerprints chain: a stage's fingerprint covers its own resolved settings and the
 * fingerprints of the stages whose outputs it reads, so changing one member's training re-derives
 * that member and every later one, and nothing before it.
 */
public final class Planner {
    private Planner() {
    }

    /** The plan for stage pods, which see the workspace at {@link Workspace#POD}. */
    public static List<PlannedStage> plan(ModelFamilySpec spec) {
        return plan(spec, Workspace.POD);
    }

    public static List<PlannedStage> plan(ModelFamilySpec spec, Workspace workspace) {
        DecompositionSpec decomposition = Defaults.or(spec.decomposition, new DecompositionSpec());
        EvaluationSpec evaluation = Defaults.or(spec.evaluation, new EvaluationSpec());
        GpuSpec gpu = Objects.requireNonNullElseGet(
                spec.scheduling != null ? spec.scheduling.gpu : null, GpuSpec::new);
        int gpuCount = Defaults.or(gpu.count, Defaults.GPU_COUNT);
        Set<StageName> gpuStages = Set.copyOf(Defaults.or(gpu.stages, Defaults.GPU_STAGES));
        TrainingEngine engine = Objects.requireNonNullElse(spec.training.engine, TrainingEngine.Auto);
        // GPUs are what the scheduler grants a stage pod; a local run (plrd run) gets none, so Auto computes on DJL
        // there, as every local run did before the engine was a setting
        int scheduledGpus = workspace.resultPath() != null ? gpuCount : 0;
        int trainNodes = scheduledGpus > 0 ? Defaults.or(gpu.nodes, Defaults.GPU_NODES) : 1;
        String baseId = baseReference(spec.base);

        List<PlannedStage> stages = new ArrayList<>();
        PlannedStage previousTrain = null;
        PlannedStage previousPublish = null;
        for (MemberSpec member : spec.members) {
            String m = member.name;
            boolean first = previousTrain == null;
            String parentModel = first ? inWorkspace(baseId, workspace) : workspace.trained(previousTrain.member());
            String parentId = first ? baseId : previousTrain.fingerprint();

            List<String> decomposeArgs = new ArrayList<>(List.of(StageName.DECOMPOSE.id(), Flags.FROM, parentModel,
                    Flags.TO, workspace.decomposed(m)));
            String target = member.targetParameters != null ? Long.toString(Counts.parse(member.targetParameters)) : null;
            if (target != null) {
                decomposeArgs.addAll(List.of(Flags.TARGET_PARAMETERS, target));
            } else {
                decomposeArgs.addAll(List.of(Flags.RANK_FRACTION, Double.toString(member.rankFraction)));
            }
            String layers = Defaults.or(decomposition.layers, Defaults.LAYERS).stream()
                    .map(Projection::id).collect(Collectors.joining(","));
            String method = Defaults.or(decomposition.method, Defaults.METHOD).id();
            String allocation = lower(Defaults.or(decomposition.allocation, Defaults.ALLOCATION));
            String split = lower(Defaults.or(decomposition.split, Defaults.SPLIT));
            decomposeArgs.addAll(List.of(Flags.METHOD, method, Flags.ALLOCATION, allocation, Flags.SPLIT, split,
                    Flags.LAYERS, layers));
            String decomposeFp = new Fingerprint().with("member", m).with("parent", parentId)
                    .with("target", target).with("fraction", member.rankFraction)
                    .with("layers", layers).with("method", method).with("allocation", allocation)
                    .with("split", split).hash();
            PlannedStage decompose = stage(workspace, m, StageName.DECOMPOSE, decomposeFp, decomposeArgs, gpuStages, gpuCount,
                    StageEngine.JAVA, first ? EnumSet.of(Credentials.BASE) : EnumSet.noneOf(Credentials.class));

            TrainingSettings training = TrainingSettings.of(spec.training, member.training);
            StageEngine trainEngine = StageEngine.of(engine, gpus(StageName.TRAIN, gpuStages, scheduledGpus),
                    trainNodes);
            String trainFp = new Fingerprint().with("decomposed", decomposeFp).with("training", training)
                    .with("engine", trainEngine.fingerprinted()).hash();
            List<String> trainArgs = new ArrayList<>(List.of(StageName.TRAIN.id(), Flags.FROM, workspace.decomposed(m),
                    Flags.TO, workspace.trained(m)));
            trainArgs.addAll(training.args(workspace));
            trainArgs.addAll(trainEngine.args());
            trainArgs.addAll(List.of(Flags.STATE, workspace.trainState(m, trainFp), Flags.RESUME));
            PlannedStage train = stage(workspace, m, StageName.TRAIN, trainFp, trainArgs, gpuStages, gpuCount,
                    trainEngine, EnumSet.of(Credentials.DATA));

            String evalData = Defaults.or(evaluation.dataset, spec.training.dataset);
            String evalTokens = Long.toString(Counts.parse(Defaults.or(evaluation.tokens, Defaults.EVALUATION_TOKENS)));
            String evalSplit = evaluation.dataset == null ? "held-out" : "all";
            List<String> evaluateArgs = new ArrayList<>(List.of(StageName.EVALUATE.id(), Flags.MODEL, workspace.trained(m),
                    Flags.DATA, inWorkspace(evalData, workspace), Flags.SPLIT, evalSplit,
                    Flags.TOKENS, evalTokens, Flags.SEED, Long.toString(Defaults.EVALUATION_SEED),
                    Flags.PARENT, parentModel, Flags.DECOMPOSED, workspace.decomposed(m),
                    Flags.PARENT_REPORT, first ? workspace.baseReport(StageName.EVALUATE.id())
                            : workspace.report(previousTrain.member(), StageName.EVALUATE.id())));
            if (evaluation.maxPerplexityRatio != null) {
                evaluateArgs.addAll(List.of(Flags.MAX_PERPLEXITY_RATIO, evaluation.maxPerplexityRatio.toString()));
            }
            StageEngine evaluateEngine = StageEngine.of(engine, gpus(StageName.EVALUATE, gpuStages, scheduledGpus), 1);
            evaluateArgs.addAll(evaluateEngine.args());
            String evaluateFp = new Fingerprint().with("trained", trainFp).with("parent", parentId)
                    .with("data", evalData).with("split", evalSplit).with("tokens", evalTokens).with("ratio", evaluation.maxPerplexityRatio)
                    .with("engine", evaluateEngine.fingerprinted()).hash();
            PlannedStage evaluate = stage(workspace, m, StageName.EVALUATE, evaluateFp, evaluateArgs, gpuStages, gpuCount,
                    evaluateEngine, first ? EnumSet.of(Credentials.DATA, Credentials.BASE) : EnumSet.of(Credentials.DATA));

            String reference = inWorkspace(spec.publish.repository, workspace) + ":" + m;
            boolean plainHttp = Boolean.TRUE.equals(spec.publish.plainHttp);
            List<String> publishArgs = new ArrayList<>(List.of(StageName.PUBLISH.id(), Flags.MODEL, workspace.trained(m),
                    Flags.TO, reference, Flags.EVALUATION, workspace.report(m, StageName.EVALUATE.id())));
            if (first) {
                publishArgs.addAll(List.of(Flags.PARENT_URI, baseId, Flags.BASE_REPORT,
                        workspace.report(m, StageName.DECOMPOSE.id())));
            } else {
                publishArgs.addAll(List.of(Flags.PARENT_REPORT, workspace.report(previousPublish.member(), StageName.PUBLISH.id())));
            }
            if (plainHttp) {
                publishArgs.add(Flags.PLAIN_HTTP);
            }
            String publishFp = new Fingerprint().with("evaluated", evaluateFp)
                    .with("parent", first ? baseId : previousPublish.fingerprint())
                    .with("reference", reference).with("plainHttp", plainHttp).hash();
            PlannedStage publish = stage(workspace, m, StageName.PUBLISH, publishFp, publishArgs, gpuStages, gpuCount,
                    StageEngine.JAVA, EnumSet.of(Credentials.REGISTRY));

            stages.addAll(List.of(decompose, train, evaluate, publish));
            previousTrain = train;
            previousPublish = publish;
        }
        return stages;
    }

    private static PlannedStage stage(Workspace workspace, String member, StageName name, String fingerprint, List<String> args,
            Set<StageName> gpuStages, int gpuCount, StageEngine engine, Set<Credentials> credentials) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(Flags.REPORT, workspace.report(member, name.id())));
        if (workspace.resultPath() != null) {
            all.addAll(List.of(Flags.RESULT, workspace.resultPath()));
        }
        return new PlannedStage(member, name, fingerprint, List.copyOf(all), gpus(name, gpuStages, gpuCount),
                engine.nodes(), engine.torch(), Set.copyOf(credentials));
    }

    private static int gpus(StageName name, Set<StageName> gpuStages, int gpuCount) {
        return gpuStages.contains(name) ? gpuCount : 0;
    }

    /**
     * The engine of a train or evaluate stage, how many local ranks it starts and on how many nodes: Auto is PyTorch
     * when the stage gets GPUs and DJL on CPUs; PyTorch starts one rank per GPU of each node. The other stages compute
     * in Java ({@link #JAVA}).
     */
    record StageEngine(boolean torch, int ranks, int nodes, boolean torchByAuto) {
        static final StageEngine JAVA = new StageEngine(false, 1, 1, false);

        /** nodes: of a stage with GPUs (only the train stage spans several); a DJL stage runs on one. */
        static StageEngine of(TrainingEngine engine, int gpus, int nodes) {
            boolean torchByAuto = gpus > 0;
            boolean torch = engine == TrainingEngine.Torch || (engine == TrainingEngine.Auto && torchByAuto);
            return new StageEngine(torch, torch ? Math.max(1, gpus) : 1, torch && gpus > 0 ? nodes : 1, torchByAuto);
        }

        List<String> args() {
            if (!torch) {
                return List.of(Flags.ENGINE, "djl");
            }
            List<String> args = new ArrayList<>(List.of(Flags.ENGINE, "torch"));
            if (ranks > 1) {
                args.addAll(List.of(Flags.NPROC, Integer.toString(ranks)));
            }
            if (nodes > 1) {
                args.addAll(List.of(Flags.NODES, Integer.toString(nodes)));
            }
            return List.copyOf(args);
        }

        /**
         * What the fingerprint records: the engine only when the spec chose another than Auto would, so that every
         * spec written before the engine was a setting keeps its fingerprints (the two engines compute the same
         * recipe, equal within float tolerance), while choosing DJL on a GPU or Torch on CPUs re-runs the stage. The
         * rank and node counts are left out: more GPUs at the same global batch train the same recipe.
         */
        String fingerprinted() {
            return torch == torchByAuto ? null : torch ? "torch" : "djl";
        }
    }

    /**
     * The base as one URI for the stages that read it: a Hub revision rides in the URI
     * ({@code hf://ORG/NAME@REVISION}); an OCI base pinned to a digest is read by that digest, not its tag.
     */
    public static String baseReference(BaseModelSpec base) {
        if (base.revision == null) {
            return base.uri;
        }
        if (base.uri.startsWith("oci://")) {
            int tag = base.uri.lastIndexOf(':');
            String repository = tag > base.uri.lastIndexOf('/') ? base.uri.substring(0, tag) : base.uri;
            return repository + "@" + base.revision;
        }
        return base.uri + "@" + base.revision;
    }

    /**
     * A URI as the stages of this workspace read it: a relative {@code file://} or {@code oci-layout://} path lies in
     * the workspace, so that one manifest names the same files in a pod ({@code /workspace}) and in a local run; every
     * other URI is returned as it is. Fingerprints use the URI as written, so moving a local workspace re-runs nothing.
     */
    public static String inWorkspace(String uri, Workspace workspace) {
        for (String scheme : List.of("file://", "oci-layout://")) {
            if (uri.startsWith(scheme) && !uri.startsWith(scheme + "/")) {
                return scheme + workspace.root() + "/" + uri.substring(scheme.length());
            }
        }
        return uri;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The training settings of one member: spec.training with the member's overrides and defaults applied. */
    record TrainingSettings(String dataset, long tokens, Integer sequenceLength, int microBatch,
            long globalBatchTokens, double learningRate, int warmupSteps, long checkpointEveryTokens,
            String precision) {

        static TrainingSettings of(TrainingSpec t, MemberTrainingSpec override) {
            MemberTrainingSpec o = Objects.requireNonNullElseGet(override, MemberTrainingSpec::new);
            return new TrainingSettings(t.dataset,
                    Counts.parse(Defaults.or(o.tokens, Defaults.or(t.tokens, Defaults.TRAINING_TOKENS))),
                    t.sequenceLength,
                    Defaults.or(t.microBatch, Defaults.MICRO_BATCH),
                    Counts.parse(Defaults.or(t.globalBatchTokens, Defaults.GLOBAL_BATCH_TOKENS)),
                    Defaults.or(o.learningRate, Defaults.or(t.learningRate, Defaults.LEARNING_RATE)),
                    Defaults.or(t.warmupSteps, Defaults.WARMUP_STEPS),
                    Counts.parse(Defaults.or(t.checkpointEveryTokens, Defaults.CHECKPOINT_EVERY_TOKENS)),
                    lower(Defaults.or(t.precision, Defaults.PRECISION)));
        }

        /** The worker's arguments; without a sequence length in the spec, the worker trains at the model's context. */
        List<String> args(Workspace workspace) {
            List<String> args = new ArrayList<>(List.of(Flags.DATA, inWorkspace(dataset, workspace), Flags.TOKENS,
                    Long.toString(tokens)));
            if (sequenceLength != null) {
                args.addAll(List.of(Flags.SEQUENCE_LENGTH, Integer.toString(sequenceLength)));
            }
            args.addAll(List.of(Flags.MICRO_BATCH, Integer.toString(microBatch),
                    Flags.GLOBAL_BATCH_TOKENS, Long.toString(globalBatchTokens), Flags.LEARNING_RATE,
                    Double.toString(learningRate), Flags.WARMUP, Integer.toString(warmupSteps), Flags.CHECKPOINT_EVERY,
                    Long.toString(checkpointEveryTokens), Flags.PRECISION, precision));
            return args;
        }
    }
}
