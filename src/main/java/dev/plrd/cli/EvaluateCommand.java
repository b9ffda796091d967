package dev.plrd.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.Counts;
import dev.plrd.api.StageOutputs;
import dev.plrd.data.DataException;
import dev.plrd.data.Split;
import dev.plrd.data.SplitName;
import dev.plrd.data.TokenDataset;
import dev.plrd.data.TokenIdOutOfRangeException;
import dev.plrd.evaluate.EvaluationGate;
import dev.plrd.evaluate.Perplexity;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.ModelConfig;
import dev.plrd.plan.Defaults;
import dev.plrd.plan.WorkerContract.Flags;
import dev.plrd.plan.WorkerContract;
import dev.plrd.train.ComputePrecision;
import dev.plrd.train.LlamaModel;
import dev.plrd.train.NonFiniteLossException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd evaluate --model models/tiny-half-healed --data data/corpus --tokens 1M \\",
                "    --parent models/tiny --max-perplexity-ratio 1.5"},
        description = "Held-out perplexity of a checkpoint, its ratio to the parent's, and the evaluation gate.")
public class EvaluateCommand extends StageCommand {
    /** Evaluation windows are capped here unless --seq-len says otherwise: long enough to measure, short enough to fit. */
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MEASURED = "measured=";

    @Option(names = Flags.MODEL, required = true, paramLabel = "URI", description = "Checkpoint to evaluate: " + StageInputs.URIS)
    String model;

    @Option(names = Flags.DATA, required = true, paramLabel = "URI", description = "Dataset, as for plrd train.")
    String data;

    @Option(names = Flags.SPLIT, defaultValue = "held-out", paramLabel = "held-out|all|train",
            description = "Which part of the dataset (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = Flags.TOKENS, defaultValue = "10M", paramLabel = "COUNT", description = "Tokens evaluated (default: ${DEFAULT-VALUE}).")
    String tokens;

    @Option(names = Flags.SEED, defaultValue = "0", description = "Seed of the window order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = Flags.SEQUENCE_LENGTH, paramLabel = "N", description = "Window length (default: the model's context, at most 2048).")
    Integer sequenceLength;

    @Option(names = Flags.MICRO_BATCH, defaultValue = "4", paramLabel = "N", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int microBatch;

    @Option(names = Flags.PARENT, paramLabel = "URI",
            description = "The parent checkpoint, for the perplexity ratio; fetched only if --parent-report cannot be reused.")
    String parent;

    @Option(names = Flags.PARENT_REPORT, paramLabel = "FILE",
            description = "The parent's evaluation JSON: reused when it measured the same thing, written when absent.")
    Path parentReport;

    @Option(names = Flags.DECOMPOSED, paramLabel = "URI",
            description = "The member before training: its perplexity is reported too (decomposedPerplexity).")
    String decomposed;

    @Option(names = Flags.MAX_PERPLEXITY_RATIO, paramLabel = "X",
            description = "Gate: fail (exit " + WorkerContract.EXIT_GATE_FAILED
                    + ") when perplexity exceeds X times the parent's.")
    Double maxPerplexityRatio;

    @Option(names = Flags.ENGINE, defaultValue = "djl", paramLabel = "djl|torch",
            description = "djl: the CPU engine in this JVM; torch: the PyTorch worker (plrd_torch), sharded over the"
                    + " ranks it is started with, reading token shards only (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = Flags.NPROC, defaultValue = "1", paramLabel = "N",
            description = "With --engine torch: local ranks to start, one per GPU of this node (default: ${DEFAULT-VALUE}).")
    int nproc;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where tokenised text is kept (default: $PLRD_WORKSPACE/cache/datasets).")
    Path cache;

    @Override
    StageOutputs run() throws Exception {
        if (maxPerplexityRatio != null && parent == null) {
            throw new InvalidInput("--max-perplexity-ratio needs --parent: the ratio is to the parent's perplexity");
        }
        EvaluationGate gate;
        try {
            gate = new EvaluationGate(maxPerplexityRatio);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("--max-perplexity-ratio " + maxPerplexityRatio + ": " + e.getMessage(), e);
        }
        if (microBatch < 1) {
            throw new InvalidInput("--micro-batch must be positive, got " + microBatch);
        }
        long budget;
        SplitName which;
        try {
            budget = Counts.parse(tokens);
            which = SplitName.parse(split);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
        TorchEngine.Kind kind = TorchEngine.Kind.of(engine, nproc);
        StageInputs inputs = StageInputs.of(environment);
        Path modelDir = inputs.checkpoint(Flags.MODEL, model).location();
        Path dataPath = inputs.dataset(Flags.DATA, data).location();
        try {
            ModelConfig config = ModelConfig.read(modelDir.resolve(ModelConfig.FILE_NAME));
            int length = sequenceLength != null ? sequenceLength
                    : Math.min(Defaults.MAX_DEFAULT_SEQUENCE_LENGTH, config.maxPositionEmbeddings());
            if (length < 1) {
                throw new InvalidInput("--seq-len must be positive, got " + length);
            }
            String identity = String.format(Locale.ROOT, "%s split=%s tokens=%d seed=%d seq=%d", data,
                    splitName(which), budget, seed, length);
            Path cacheDir = Devices.cache(cache, modelDir, environment);
            Perplexity.Result own = measure(kind, modelDir, dataPath, cacheDir, which, length, budget);
            System.err.printf(Locale.ROOT, "evaluate: %s perplexity %.4f (loss %.4f) on %,d tokens, %.1f s%n", modelDir,
                    own.perplexity(), own.loss(), own.tokens(), own.seconds());
            if (own.tokens() < budget) {
                System.err.printf(Locale.ROOT, "evaluate: measured %,d tokens, fewer than the %,d of --tokens %s: all"
                        + " that --split %s holds in windows of %d%n", own.tokens(), budget, tokens, splitName(which), length);
            }
            EvaluationGate.Measured member = new EvaluationGate.Measured(modelDir.toString(), own.loss(),
                    own.perplexity());
            EvaluationGate.Measured parentMeasured = parent == null ? null
                    : parentMeasurement(kind, inputs, dataPath, cacheDir, which, length, budget,
                            identity);
            EvaluationGate.Verdict verdict = gate.judge(member, parentMeasured);
            switch (verdict.outcome()) {
                case NON_FINITE -> throw new NonFiniteLossException(verdict.message());
                case REFUSED -> throw new GateFailed(verdict.message());
                case PASSED -> { }
            }
            StageOutputs out = outputs(modelDir, own, identity, budget);
            if (parentMeasured != null) {
                out.parentPerplexity = round(parentMeasured.perplexity(), 4);
                System.err.printf(Locale.ROOT, "evaluate: parent perplexity %.4f, ratio %.3f%n", out.parentPerplexity,
                        own.perplexity() / parentMeasured.perplexity());
            }
            if (decomposed != null) {
                Path decomposedDir = inputs.checkpoint(Flags.DECOMPOSED, decomposed).location();
                Perplexity.Result before = measure(kind, decomposedDir, dataPath, cacheDir, which, length, budget);
                // a non-finite figure is not rounded into a plausible number; the report leaves it out
                out.decomposedPerplexity = Double.isFinite(before.perplexity()) ? round(before.perplexity(), 4) : null;
                System.err.printf(Locale.ROOT, "evaluate: before healing %s perplexity %.4f%n", decomposedDir,
                        before.perplexity());
            }
            inputs.report(out);
            return out;
        } catch (DataException | CheckpointException | TokenIdOutOfRangeException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
    }


    private Perplexity.Result measure(TorchEngine.Kind kind, Path modelDir, Path dataPath, Path cacheDir,
            SplitName which, int length, long budget) throws Exception {
        if (kind == TorchEngine.Kind.TORCH) {
            // the measurement only: the parent report, the gate and the result stay here, one home for both engines
            StageOutputs measured = TorchEngine.run("evaluate", List.of(Flags.MODEL, modelDir.toString(), Flags.DATA,
                    dataPath.toString(), Flags.SPLIT, splitName(which), Flags.TOKENS, String.valueOf(budget), Flags.SEED,
                    String.valueOf(seed), Flags.SEQUENCE_LENGTH, String.valueOf(length), Flags.MICRO_BATCH,
                    String.valueOf(microBatch)), nproc, environment, Duration.ofSeconds(WorkerContract.TERMINATION_GRACE_SECONDS));
            return new Perplexity.Result(measured.loss, measured.perplexity, measured.tokens, measured.seconds);
        }
        Device device = Devices.best();
        try (LlamaModel m = LlamaModel.load(modelDir, device, ComputePrecision.FLOAT32);
                TokenDataset dataset = TokenDataset.open(dataPath.toString(), m.config().vocabSize(), modelDir, cacheDir)) {
            Split s = dataset.split(which, length);
            return Perplexity.measure(m, s, budget, seed, microBatch);
        }
    }

    /**
     * From the parent's report when it measured the same thing; else measured now, and kept if there was no
     * report and the figures are finite (a report of a broken parent must not be reused as a measurement). The
     * parent is fetched only to be measured: a family's first member, compared with a remote base, reads the base's
     * report and nothing else once the base has been measured.
     */
    private EvaluationGate.Measured parentMeasurement(TorchEngine.Kind kind, StageInputs inputs, Path dataPath,
            Path cacheDir, SplitName which, int length, long budget, String identity) throws Exception {
        if (parentReport != null && Files.isRegularFile(parentReport)) {
            StageOutputs previous = JSON.readValue(parentReport.toFile(), StageOutputs.class);
            if (sameMeasurement(identity, previous.evaluation) && previous.perplexity != null && previous.loss != null) {
                System.err.println("evaluate: parent perplexity from " + parentReport);
                return new EvaluationGate.Measured(parent, previous.loss, previous.perplexity);
            }
        }
        Path parentDir = inputs.checkpoint(Flags.PARENT, parent).location();
        Perplexity.Result result = measure(kind, parentDir, dataPath, cacheDir, which, length, budget);
        boolean finite = Double.isFinite(result.loss()) && Double.isFinite(result.perplexity());
        if (parentReport != null && !Files.exists(parentReport) && finite) {
            StageResult.success(outputs(parentDir, result, identity, budget), null, parentReport);
        }
        return new EvaluationGate.Measured(parentDir.toString(), result.loss(), result.perplexity());
    }

    private static String splitName(SplitName which) {
        return which.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * What was measured: the identity of what was asked, and {@code measured=N} when the split held fewer tokens
     * than asked, so that a report never claims more tokens than it measured.
     */
    static String evaluation(String identity, long measured, long asked) {
        return measured < asked ? identity + " " + MEASURED + measured : identity;
    }

    /** Whether a report's evaluation is of the same thing: the same identity, however many tokens the split held. */
    static boolean sameMeasurement(String identity, String evaluation) {
        return evaluation != null && (evaluation.equals(identity) || evaluation.startsWith(identity + " " + MEASURED));
    }

    private static StageOutputs outputs(Path modelDir, Perplexity.Result result, String identity, long asked) {
        StageOutputs out = new StageOutputs();
        out.uri = modelDir.toAbsolutePath().toString();
        out.loss = round(result.loss(), 4);
        out.perplexity = round(result.perplexity(), 4);
        out.tokens = result.tokens();
        out.evaluation = evaluation(identity, result.tokens(), asked);
        out.seconds = round(result.seconds(), 1);
        return out;
    }

}
