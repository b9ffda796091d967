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
import dev.plrd.plan.WorkerContract.Flags;
import dev.plrd.plan.WorkerContract;
import dev.plrd.train.ComputePrecision;
import dev.plrd.train.LlamaModel;
import dev.plrd.train.NonFiniteLossException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd evaluate --model models/tiny-half-healed --data data/corpus --tokens 1M \\",
                "    --parent models/tiny --max-perplexity-ratio 1.5"},
        description = "Held-out perplexity of a checkpoint, its ratio to the parent's, and the evaluation gate.")
public class EvaluateCommand extends StageCommand {
    /** Evaluation windows are capped here unless --seq-len says otherwise: long enough to measure, short enough to fit. */
    static final int DEFAULT_MAX_SEQUENCE_LENGTH = 2048;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MEASURED = "measured=";

    @Option(names = Flags.MODEL, required = true, paramLabel = "DIR", description = "Checkpoint to evaluate (path or file://).")
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

    @Option(names = Flags.PARENT, paramLabel = "DIR", description = "The parent checkpoint, for the perplexity ratio.")
    String parent;

    @Option(names = Flags.PARENT_REPORT, paramLabel = "FILE",
            description = "The parent's evaluation JSON: reused when it measured the same thing, written when absent.")
    Path parentReport;

    @Option(names = Flags.MAX_PERPLEXITY_RATIO, paramLabel = "X",
            description = "Gate: fail (exit " + WorkerContract.EXIT_GATE_FAILED
                    + ") when perplexity exceeds X times the parent's.")
    Double maxPerplexityRatio;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where tokenised text is kept (default: $PLRD_WORKSPACE/cache/datasets).")
    Path cache;

    @Override
    StageOutputs run() throws Exception {
        Path modelDir = checkpointDirectory("--model", model);
        Path parentDir = parent != null ? checkpointDirectory("--parent", parent) : null;
        if (maxPerplexityRatio != null && parentDir == null) {
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
        try {
            ModelConfig config = ModelConfig.read(modelDir.resolve(ModelConfig.FILE_NAME));
            int length = sequenceLength != null ? sequenceLength
                    : Math.min(DEFAULT_MAX_SEQUENCE_LENGTH, config.maxPositionEmbeddings());
            if (length < 1) {
                throw new InvalidInput("--seq-len must be positive, got " + length);
            }
            String identity = String.format(Locale.ROOT, "%s split=%s tokens=%d seed=%d seq=%d", data,
                    splitName(which), budget, seed, length);
            Path cacheDir = Devices.cache(cache, modelDir);
            Perplexity.Result own = measure(modelDir, cacheDir, which, length, budget);
            System.err.printf(Locale.ROOT, "evaluate: %s perplexity %.4f (loss %.4f) on %,d tokens, %.1f s%n", modelDir,
                    own.perplexity(), own.loss(), own.tokens(), own.seconds());
            if (own.tokens() < budget) {
                System.err.printf(Locale.ROOT, "evaluate: measured %,d tokens, fewer than the %,d of --tokens %s: all"
                        + " that --split %s holds in windows of %d%n", own.tokens(), budget, tokens, splitName(which), length);
            }
            EvaluationGate.Measured member = new EvaluationGate.Measured(modelDir.toString(), own.loss(),
                    own.perplexity());
            EvaluationGate.Measured parentMeasured = parentDir == null ? null
                    : parentMeasurement(parentDir, cacheDir, which, length, budget, identity);
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
            return out;
        } catch (DataException | CheckpointException | TokenIdOutOfRangeException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
    }


    private Perplexity.Result measure(Path modelDir, Path cacheDir, SplitName which, int length, long budget)
            throws IOException, DataException {
        Device device = Devices.best();
        try (LlamaModel m = LlamaModel.load(modelDir, device, ComputePrecision.FLOAT32);
                TokenDataset dataset = TokenDataset.open(data, m.config().vocabSize(), modelDir, cacheDir)) {
            Split s = dataset.split(which, length);
            return Perplexity.measure(m, s, budget, seed, microBatch);
        }
    }

    /**
     * From the parent's report when it measured the same thing; else measured now, and kept if there was no
     * report and the figures are finite (a report of a broken parent must not be reused as a measurement).
     */
    private EvaluationGate.Measured parentMeasurement(Path parentDir, Path cacheDir, SplitName which, int length,
            long budget, String identity) throws IOException, DataException {
        if (parentReport != null && Files.isRegularFile(parentReport)) {
            StageOutputs previous = JSON.readValue(parentReport.toFile(), StageOutputs.class);
            if (sameMeasurement(identity, previous.evaluation) && previous.perplexity != null && previous.loss != null) {
                System.err.println("evaluate: parent perplexity from " + parentReport);
                return new EvaluationGate.Measured(parentDir.toString(), previous.loss, previous.perplexity);
            }
        }
        Perplexity.Result result = measure(parentDir, cacheDir, which, length, budget);
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
