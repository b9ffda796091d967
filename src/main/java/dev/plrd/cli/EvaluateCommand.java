package dev.plrd.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.Counts;
import dev.plrd.api.StageOutputs;
import dev.plrd.data.DataException;
import dev.plrd.data.Split;
import dev.plrd.data.SplitName;
import dev.plrd.data.TokenDataset;
import dev.plrd.evaluate.Perplexity;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.ModelConfig;
import dev.plrd.train.ComputePrecision;
import dev.plrd.train.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Held-out perplexity of a checkpoint, its ratio to the parent's, and the evaluation gate.")
public class EvaluateCommand extends StageCommand {
    /** Evaluation windows are capped here unless --seq-len says otherwise: long enough to measure, short enough to fit. */
    static final int DEFAULT_MAX_SEQUENCE_LENGTH = 2048;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Checkpoint to evaluate (path or file://).")
    String model;

    @Option(names = "--data", required = true, paramLabel = "URI", description = "Dataset, as for plrd train.")
    String data;

    @Option(names = "--split", defaultValue = "held-out", paramLabel = "held-out|all|train",
            description = "Which part of the dataset (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--tokens", defaultValue = "10M", paramLabel = "COUNT", description = "Tokens evaluated (default: ${DEFAULT-VALUE}).")
    String tokens;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the window order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--seq-len", paramLabel = "N", description = "Window length (default: the model's context, at most 2048).")
    Integer sequenceLength;

    @Option(names = "--micro-batch", defaultValue = "4", paramLabel = "N", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int microBatch;

    @Option(names = "--parent", paramLabel = "DIR", description = "The parent checkpoint, for the perplexity ratio.")
    String parent;

    @Option(names = "--parent-report", paramLabel = "FILE",
            description = "The parent's evaluation JSON: reused when it measured the same thing, written when absent.")
    Path parentReport;

    @Option(names = "--max-perplexity-ratio", paramLabel = "X",
            description = "Gate: fail (exit 3) when perplexity exceeds X times the parent's.")
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
                    which.name().toLowerCase(Locale.ROOT).replace('_', '-'), budget, seed, length);
            Path cacheDir = Devices.cache(cache, modelDir);
            Perplexity.Result own = measure(modelDir, cacheDir, which, length, budget);
            System.err.printf(Locale.ROOT, "evaluate: %s perplexity %.4f (loss %.4f) on %,d tokens, %.1f s%n", modelDir,
                    own.perplexity(), own.loss(), own.tokens(), own.seconds());
            StageOutputs out = outputs(modelDir, own, identity);
            if (parentDir != null) {
                double parentPerplexity = parentPerplexity(parentDir, cacheDir, which, length, budget, identity);
                out.parentPerplexity = round(parentPerplexity, 4);
                double ratio = own.perplexity() / out.parentPerplexity;
                System.err.printf(Locale.ROOT, "evaluate: parent perplexity %.4f, ratio %.3f%n", out.parentPerplexity, ratio);
                if (maxPerplexityRatio != null && ratio > maxPerplexityRatio) {
                    throw new GateFailed(String.format(Locale.ROOT, "perplexity %.4f is %.3f times the parent's %.4f, "
                            + "above evaluation.maxPerplexityRatio %s", own.perplexity(), ratio, out.parentPerplexity,
                            maxPerplexityRatio));
                }
            }
            return out;
        } catch (DataException | CheckpointException e) {
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

    /** From the parent's report when it measured the same thing; else measured now (and kept if there was none). */
    private double parentPerplexity(Path parentDir, Path cacheDir, SplitName which, int length, long budget,
            String identity) throws IOException, DataException {
        if (parentReport != null && Files.isRegularFile(parentReport)) {
            StageOutputs previous = JSON.readValue(parentReport.toFile(), StageOutputs.class);
            if (identity.equals(previous.evaluation) && previous.perplexity != null) {
                System.err.println("evaluate: parent perplexity from " + parentReport);
                return previous.perplexity;
            }
        }
        Perplexity.Result result = measure(parentDir, cacheDir, which, length, budget);
        if (parentReport != null && !Files.exists(parentReport)) {
            StageResult.success(outputs(parentDir, result, identity), null, parentReport);
        }
        return result.perplexity();
    }

    private static StageOutputs outputs(Path modelDir, Perplexity.Result result, String identity) {
        StageOutputs out = new StageOutputs();
        out.uri = modelDir.toAbsolutePath().toString();
        out.loss = round(result.loss(), 4);
        out.perplexity = round(result.perplexity(), 4);
        out.tokens = result.tokens();
        out.evaluation = identity;
        out.seconds = round(result.seconds(), 1);
        return out;
    }

}
