package dev.plrd.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.Counts;
import dev.plrd.api.StageOutputs;
import dev.plrd.data.DataException;
import dev.plrd.data.SplitName;
import dev.plrd.data.TokenDataset;
import dev.plrd.data.TokenIdOutOfRangeException;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.ModelConfig;
import dev.plrd.plan.Defaults;
import dev.plrd.plan.WorkerContract.Flags;
import dev.plrd.plan.WorkerContract;
import dev.plrd.train.ComputePrecision;
import dev.plrd.train.LlamaModel;
import dev.plrd.train.NonFiniteLossException;
import dev.plrd.train.Trainer;
import dev.plrd.train.TrainingPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd train --from models/tiny-half --to models/tiny-half-healed \\",
                "    --data data/corpus --tokens 20M --global-batch-tokens 64K --lr 3e-4"},
        description = "Heal a member by continual pretraining: causal language modelling for a token budget, resumable.")
public class TrainCommand extends StageCommand {
    @Option(names = Flags.FROM, required = true, paramLabel = "URI", description = "Checkpoint to train: " + StageInputs.URIS)
    String from;

    @Option(names = Flags.TO, required = true, paramLabel = "DIR", description = "Where the trained checkpoint goes.")
    Path to;

    @Option(names = Flags.DATA, required = true, paramLabel = "URI",
            description = "Token shards (a plrd tokenize directory or .bin files), or .txt/.jsonl text, also .gz/.zst; directories at any depth.")
    String data;

    @Option(names = Flags.TOKENS, required = true, paramLabel = "COUNT", description = "Token budget, e.g. 1B.")
    String tokens;

    @Option(names = Flags.SEQUENCE_LENGTH, paramLabel = "N",
            description = "Sequence length, at most the model's context (default: its max_position_embeddings, at most "
                    + Defaults.MAX_DEFAULT_SEQUENCE_LENGTH + ").")
    Integer sequenceLength;

    @Option(names = Flags.MICRO_BATCH, defaultValue = "4", paramLabel = "N", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int microBatch;

    @Option(names = Flags.GLOBAL_BATCH_TOKENS, defaultValue = "1M", paramLabel = "COUNT",
            description = "Tokens per optimizer step, by gradient accumulation (default: ${DEFAULT-VALUE}).")
    String globalBatchTokens;

    @Option(names = Flags.LEARNING_RATE, defaultValue = "1e-4", paramLabel = "X", description = "Peak AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = Flags.WARMUP, defaultValue = "50", paramLabel = "STEPS", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = Flags.CHECKPOINT_EVERY, defaultValue = "50M", paramLabel = "COUNT",
            description = "Save the training state every this many tokens (default: ${DEFAULT-VALUE}).")
    String checkpointEvery;

    @Option(names = Flags.PRECISION, defaultValue = "mixed", paramLabel = "mixed|float32",
            description = "On a GPU: mixed (float16 compute, float32 master weights) or float32; a CPU always trains in float32.")
    String precision;

    @Option(names = Flags.STATE, paramLabel = "DIR", description = "Training state directory (default: DIR of --to plus .train-state).")
    Path state;

    @Option(names = Flags.RESUME, description = "Continue from the newest state in --state, if there is one.")
    boolean resume;

    @Option(names = Flags.SEED, defaultValue = "0", description = "Seed of the data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where tokenised text is kept (default: $PLRD_WORKSPACE/cache/datasets, else next to --state).")
    Path cache;

    @Option(names = "--log-format", defaultValue = "text", paramLabel = "text|json", description = "Step lines as text or JSON lines (default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = Flags.ENGINE, defaultValue = "djl", paramLabel = "djl|torch",
            description = "djl: the CPU engine in this JVM; torch: the PyTorch worker (plrd_torch, FSDP2 on GPUs),"
                    + " which reads token shards only (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = Flags.NPROC, defaultValue = "1", paramLabel = "N",
            description = "With --engine torch: local ranks to start, one per GPU of this node (default: ${DEFAULT-VALUE}).")
    int nproc;

    @Option(names = Flags.NODES, defaultValue = "1", paramLabel = "M",
            description = "With --engine torch: nodes the ranks span, each starting --nproc of them (a Kubeflow Trainer"
                    + " TrainJob); with more than 1, this node's place comes from " + WorkerContract.MultiNode.NODE_RANK_ENV
                    + ", " + WorkerContract.MultiNode.MASTER_ADDR_ENV + " and " + WorkerContract.MultiNode.MASTER_PORT_ENV
                    + " (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--grace", defaultValue = "${env:" + WorkerContract.TERMINATION_GRACE_ENV + ":-30}", paramLabel = "SECONDS",
            description = "Seconds between SIGTERM and SIGKILL (the pod's termination grace period, default: "
                    + "${DEFAULT-VALUE}); the final state save must end " + Preemption.MARGIN_SECONDS + " s before.")
    long graceSeconds;

    @Override
    StageOutputs run() throws Exception {
        TorchEngine.Kind kind = TorchEngine.Kind.of(engine, nproc);
        TorchEngine.Placement placement = TorchEngine.Placement.of(kind, nodes, nproc, environment);
        if (placement.node() > 0) {
            // the report is the stage's result, kept in the workspace the nodes share for later stages: node 0's
            // alone, so that the nodes do not race to write it; this node's account goes to its termination message
            report = null;
        }
        StageInputs inputs = StageInputs.of(environment);
        Path source = inputs.checkpoint(Flags.FROM, from).location();
        outputDirectory("--to", to, "--from", source);
        Path dataPath = inputs.dataset(Flags.DATA, data).location();
        TrainingPlan plan = plan(source);
        TrainingLog log = TrainingLog.of(logFormat);
        Path stateDirectory = state != null ? state : to.resolveSibling(to.getFileName() + ".train-state");
        if (kind == TorchEngine.Kind.TORCH) {
            if (placement.nodes() > 1) {
                System.err.printf("train: node %d of %d, ranks %d to %d of %d, rendezvous %s:%d%n", placement.node(),
                        placement.nodes(), placement.globalRank(0), placement.globalRank(nproc - 1),
                        placement.worldSize(), placement.masterAddress(), placement.masterPort());
            }
            StageOutputs out = TorchEngine.run("train", torchArguments(source, dataPath, plan, stateDirectory),
                    placement, environment, Duration.ofSeconds(Math.max(1, graceSeconds)));
            inputs.report(out);
            return placement.node() == 0 ? out : NodeOutputs.of(out, placement);
        }
        Device device = Devices.best();
        ComputePrecision compute = Devices.precisionFor(device, precision);
        Duration saveWindow = Duration.ofSeconds(Math.max(1, graceSeconds - Preemption.MARGIN_SECONDS));
        try (Preemption preemption = new Preemption(saveWindow);
                LlamaModel model = load(source, device, compute);
                TokenDataset dataset = TokenDataset.open(dataPath.toString(), model.config().vocabSize(), source,
                        Devices.cache(cache, stateDirectory, environment))) {
            System.err.printf("train: %s (%,d parameters, %s on %s) on %s%n", source, model.parameterCount(),
                    compute.name().toLowerCase(), device, dataset.describe());
            System.err.printf("train: %d steps of %,d tokens (%d x %d x %d), state %s%n", plan.steps(),
                    plan.stepTokens(), plan.accumulation(), plan.microBatch(), plan.sequenceLength(), stateDirectory);
            Trainer trainer = new Trainer(model, plan, dataset.split(SplitName.TRAIN, plan.sequenceLength()),
                    stateDirectory);
            Trainer.Outcome outcome = trainer.run(resume, preemption::requested, log);
            if (outcome.resumedAt() > 0) {
                System.err.printf("train: resumed at step %d of %d%n", outcome.resumedAt(), plan.steps());
            }
            if (outcome.stopped()) {
                throw new IllegalStateException("stopped at step " + outcome.steps() + " of " + plan.steps()
                        + " by SIGTERM; the state is saved and --resume continues from it");
            }
            model.save(to, source);
            System.err.printf("train: %,d tokens, loss %.4f, %,.0f tokens/s, %.1f s -> %s%n", outcome.tokensSeen(),
                    outcome.loss(), outcome.tokensPerSecond(), outcome.seconds(), to);
            StageOutputs out = new StageOutputs();
            out.uri = to.toAbsolutePath().toString();
            out.parameters = model.parameterCount();
            out.loss = round(outcome.loss(), 4);
            out.tokens = outcome.tokensSeen();
            out.tokensPerSecond = round(outcome.tokensPerSecond(), 1);
            out.seconds = round(outcome.seconds(), 1);
            inputs.report(out);
            return out;
        } catch (DataException | CheckpointException | TokenIdOutOfRangeException e) {
            throw new InvalidInput(e.getMessage(), e);
        } catch (NonFiniteLossException e) {
            throw new NonFiniteLossException(source + ": " + e.getMessage());
        }
    }

    /** This command's flags for plrd_torch, with the inputs resolved to local paths and the plan's sequence length. */
    private List<String> torchArguments(Path source, Path dataPath, TrainingPlan plan, Path stateDirectory) {
        List<String> args = new ArrayList<>(List.of(Flags.FROM, source.toString(), Flags.TO, to.toString(), Flags.DATA,
                dataPath.toString(), Flags.TOKENS, tokens, Flags.SEQUENCE_LENGTH, String.valueOf(plan.sequenceLength()),
                Flags.MICRO_BATCH, String.valueOf(microBatch), Flags.GLOBAL_BATCH_TOKENS, globalBatchTokens,
                Flags.LEARNING_RATE, Double.toString(learningRate), Flags.WARMUP, String.valueOf(warmupSteps),
                Flags.CHECKPOINT_EVERY, checkpointEvery, Flags.PRECISION, precision, Flags.STATE,
                stateDirectory.toString(), Flags.SEED, String.valueOf(seed), "--log-format", logFormat, "--grace",
                String.valueOf(graceSeconds)));
        if (resume) {
            args.add(Flags.RESUME);
        }
        if (report != null) {
            args.addAll(List.of(Flags.REPORT, report.toString()));
        }
        return args;
    }

    private TrainingPlan plan(Path source) throws InvalidInput, IOException {
        int length = sequenceLength(source);
        try {
            return new TrainingPlan(Counts.parse(tokens), length, microBatch, Counts.parse(globalBatchTokens),
                    learningRate, warmupSteps, Counts.parse(checkpointEvery), seed);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
    }

    /** The model's context unless --seq-len asks for less: the model has no positions beyond it. */
    private int sequenceLength(Path source) throws InvalidInput, IOException {
        Path file = source.resolve(ModelConfig.FILE_NAME);
        int context;
        try {
            context = ModelConfig.read(file).maxPositionEmbeddings();
        } catch (CheckpointException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
        if (sequenceLength == null) {
            return Math.min(context, Defaults.MAX_DEFAULT_SEQUENCE_LENGTH);
        }
        if (sequenceLength > context) {
            throw new InvalidInput(Flags.SEQUENCE_LENGTH + " " + sequenceLength
                    + " is longer than the model's context, max_position_embeddings " + context + " in " + file
                    + "; expected at most " + context);
        }
        return sequenceLength;
    }

    private static LlamaModel load(Path source, Device device, ComputePrecision precision) throws Exception {
        try {
            return LlamaModel.load(source, device, precision);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("--from " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * The termination message of a node other than node 0: the operator reads node 0's, which holds the stage's
     * result, so this one only has to be valid (the worker contract's outputs, whose readers ignore fields they do not
     * know) and say which node wrote it. It carries what this node's ranks computed: the loss and tokens are the
     * job's (summed over all ranks), the throughput and seconds as this node measured them, and the uri of the
     * checkpoint that global rank 0 wrote.
     */
    static final class NodeOutputs extends StageOutputs {
        private static final ObjectMapper JSON = new ObjectMapper();
        /** This node's index, PET_NODE_RANK. */
        public Integer node;
        /** Nodes of the stage, --nodes. */
        public Integer nodes;

        static NodeOutputs of(StageOutputs computed, TorchEngine.Placement placement) throws JsonMappingException {
            NodeOutputs outputs = JSON.updateValue(new NodeOutputs(), computed);
            outputs.node = placement.node();
            outputs.nodes = placement.nodes();
            return outputs;
        }
    }
}
