package dev.plrd.cli;

import dev.plrd.api.Counts;
import dev.plrd.api.StageOutputs;
import dev.plrd.decompose.CheckpointDecomposer;
import dev.plrd.decompose.Lapack;
import dev.plrd.decompose.RandomizedSvd;
import dev.plrd.decompose.Split;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.Projection;
import dev.plrd.plan.MemberRanks;
import dev.plrd.plan.WorkerContract.Flags;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "decompose", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd decompose --from models/tiny --to models/tiny-half --rank-fraction 0.5"},
        description = "Derive a family member: factor (or re-truncate) the linear layers of a checkpoint to lower rank.")
public class DecomposeCommand extends StageCommand {
    @Option(names = Flags.FROM, required = true, paramLabel = "URI", description = "Parent checkpoint: " + StageInputs.URIS)
    String from;

    @Option(names = Flags.TO, required = true, paramLabel = "DIR", description = "Where the member's checkpoint goes.")
    Path to;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Size size;

    static class Size {
        @Option(names = Flags.TARGET_PARAMETERS, paramLabel = "COUNT", description = "Parameter budget, e.g. 3.1B.")
        String targetParameters;

        @Option(names = Flags.RANK_FRACTION, paramLabel = "F", description = "Keep round(F * min(out, in)) per layer.")
        Double rankFraction;
    }

    @Option(names = Flags.METHOD, defaultValue = "exact", paramLabel = "exact|randomized",
            description = "SVD for dense layers (default: ${DEFAULT-VALUE}); factored layers are re-truncated exactly.")
    String method;

    @Option(names = Flags.ALLOCATION, defaultValue = "uniform", paramLabel = "uniform|spectrum",
            description = "How a parameter budget is spread over layers (default: ${DEFAULT-VALUE}).")
    String allocation;

    @Option(names = Flags.SPLIT, defaultValue = "balanced", paramLabel = "balanced|left|right",
            description = "Where singular values go: A = U S^1/2, B = S^1/2 V^T for balanced (default).")
    String split;

    @Option(names = Flags.LAYERS, defaultValue = "q,k,v,o,gate,up,down", paramLabel = "LIST",
            description = "Projections to factor (default: ${DEFAULT-VALUE}).")
    String layers;

    @Override
    StageOutputs run() throws Exception {
        StageInputs inputs = StageInputs.of(environment);
        StageInputs.Fetched base = inputs.checkpoint(Flags.FROM, from);
        Path source = base.location();
        outputDirectory("--to", to, "--from", source);
        CheckpointDecomposer.Options options = options(base.revision());
        System.err.println("decompose: " + source + " -> " + to + " with " + Lapack.implementation());
        Progress progress = new Progress("decompose");
        CheckpointDecomposer.Result r;
        try {
            r = CheckpointDecomposer.run(source, to, options, (module, done, total, error) -> progress.step(done, total,
                    String.format(Locale.ROOT, "%s relative error %.4f", module, error)));
        } catch (CheckpointException | IllegalArgumentException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
        System.err.printf(Locale.ROOT, "decompose: %d -> %d parameters, ranks %s, relative error %s, %.1f s%n",
                r.parametersBefore(), r.parametersAfter(), r.ranksSummary(), r.errorSummary(), r.seconds());
        StageOutputs out = new StageOutputs();
        out.uri = to.toAbsolutePath().toString();
        out.parentParameters = r.parametersBefore();
        out.parameters = r.parametersAfter();
        out.ranks = r.ranksSummary();
        out.relativeError = r.errorSummary();
        out.seconds = round(r.seconds(), 1);
        out.revision = base.revision();
        inputs.report(out);
        return out;
    }

    /** The options, with the parent recorded as its URI, a Hub base's revision replaced by the commit it resolved to. */
    private CheckpointDecomposer.Options options(String resolved) throws InvalidInput {
        try {
            MemberRanks.Size s = size.targetParameters != null
                    ? new MemberRanks.Target(Counts.parse(size.targetParameters))
                    : new MemberRanks.Fraction(size.rankFraction);
            if (s instanceof MemberRanks.Fraction f && !(f.value() > 0 && f.value() < 1)) {
                throw new InvalidInput("--rank-fraction " + f.value() + ": must be greater than 0 and less than 1");
            }
            return new CheckpointDecomposer.Options(s, MemberRanks.Allocation.valueOf(choice("--allocation", allocation,
                    "uniform", "spectrum")), CheckpointDecomposer.Method.valueOf(choice("--method", method, "exact",
                    "randomized")), Split.valueOf(choice("--split", split, "balanced", "left", "right")),
                    Projection.parseList(layers), RandomizedSvd.Settings.DEFAULT,
                    resolved == null ? from : (from.contains("@") ? from.substring(0, from.indexOf('@')) : from)
                            + "@" + resolved);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(e.getMessage(), e);
        }
    }

    private static String choice(String option, String value, String... allowed) throws InvalidInput {
        for (String a : allowed) {
            if (a.equals(value)) {
                return value.toUpperCase(Locale.ROOT);
            }
        }
        throw new InvalidInput(option + " " + value + ": expected one of " + String.join(", ", allowed));
    }
}
