package dev.plrd.cli;

import dev.plrd.api.StageOutputs;
import dev.plrd.plan.WorkerContract.Flags;
import dev.plrd.plan.WorkerContract;
import dev.plrd.train.NonFiniteLossException;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every stage worker shares: the result and report paths of the worker contract, and the
 * mapping of failures to the exit codes of {@link WorkerContract}: bad input (a permanent transport
 * failure included), a refused gate and a non-finite loss are permanent; anything else is retried.
 */
abstract class StageCommand implements Callable<Integer> {
    @Option(names = Flags.RESULT, paramLabel = "FILE",
            description = "Where to write the result JSON (the pod's termination message: /dev/termination-log).")
    Path result;

    @Option(names = Flags.REPORT, paramLabel = "FILE", description = "A copy of the result JSON, kept in the workspace.")
    Path report;

    /** The environment the stage reads: the process's, or the one a local run gives it. */
    Map<String, String> environment = System.getenv();

    @Spec
    CommandSpec spec;

    /** Runs the stage; throws InvalidInput for input that no retry can fix. */
    abstract StageOutputs run() throws Exception;

    @Override
    public final Integer call() {
        try {
            StageResult.success(run(), result, report);
            return WorkerContract.EXIT_OK;
        } catch (InvalidInput e) {
            return invalidInput(e.getMessage(), e);
        } catch (TransportException e) {
            if (e.permanent()) {
                // a 404, 401 or a digest mismatch comes back the same on a retry
                return invalidInput(e.getMessage(), e);
            }
            printError(e.getMessage(), "the transfer failed along the way; a retry may succeed", e);
            StageResult.failure("Failed", e.getMessage(), result, report);
            return WorkerContract.EXIT_FAILED;
        } catch (GateFailed e) {
            printError(e.getMessage(), "the gate is " + Flags.MAX_PERPLEXITY_RATIO
                    + "; more training (" + Flags.TOKENS + ") or a larger member lowers the perplexity", e);
            StageResult.failure("EvaluationGateFailed", e.getMessage(), result, report);
            return WorkerContract.EXIT_GATE_FAILED;
        } catch (NonFiniteLossException e) {
            printError(e.getMessage(), "it is not retried: the same weights and data compute the same; a lower " + Flags.LEARNING_RATE
                    + " or a longer " + Flags.WARMUP + " keeps training stable", e);
            StageResult.failure("NonFiniteLoss", e.getMessage(), result, report);
            return WorkerContract.EXIT_NON_FINITE;
        } catch (Exception e) {
            String message = ErrorReport.describe(e);
            printError(message, ErrorReport.VERBOSE_HINT, e);
            StageResult.failure("Failed", message, result, report);
            return WorkerContract.EXIT_FAILED;
        }
    }

    private int invalidInput(String message, Exception e) {
        printError(message, ErrorReport.helpHint(spec), e);
        StageResult.failure("InvalidInput", message, result, report);
        return WorkerContract.EXIT_INVALID_INPUT;
    }

    /** What the user reads on stderr; the result JSON is the operator's, and says the same in its own form. */
    private void printError(String message, String hint, Exception e) {
        ErrorReport.print(new PrintWriter(System.err, true), message, hint, e, ErrorReport.verbose(spec));
    }

    /** Input that is wrong, as opposed to a failure along the way. */
    static final class InvalidInput extends Exception {
        InvalidInput(String message) {
            super(message);
        }

        InvalidInput(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The member is worse than the evaluation gate allows: final, like invalid input. */
    static final class GateFailed extends Exception {
        GateFailed(String message) {
            super(message);
        }
    }

    /**
     * An existing local checkpoint directory from a path or file:// URI: what publish sends is what a stage wrote
     * into the workspace, never a remote model.
     */
    static Path checkpointDirectory(String option, String value) throws InvalidInput {
        Path dir;
        if (value.startsWith("file://")) {
            dir = Path.of(value.substring("file://".length()));
        } else if (value.matches("^[a-z0-9]+://.*")) {
            throw new InvalidInput(option + " " + value + ": expected a local checkpoint directory (a path or file://)");
        } else {
            dir = Path.of(value);
        }
        if (!Files.isDirectory(dir)) {
            throw new InvalidInput(option + " " + value + ": no such checkpoint directory");
        }
        return dir;
    }

    /**
     * Where a stage writes a model directory, refused when writing it would destroy the source: the same directory
     * (through any link), a directory inside it or around it, or a file where a directory goes. The checkpoint
     * writer replaces the target whole, so any of these would lose the parent.
     */
    static void outputDirectory(String option, Path to, String sourceOption, Path source)
            throws InvalidInput, IOException {
        if (Files.exists(to) && !Files.isDirectory(to)) {
            throw new InvalidInput(option + " " + to + ": is a file, not a checkpoint directory; refusing to replace it");
        }
        Path target = realPath(to);
        Path parent = source.toRealPath();
        if (target.startsWith(parent) || parent.startsWith(target)) {
            String relation = target.equals(parent) ? "is" : target.startsWith(parent) ? "lies inside" : "contains";
            throw new InvalidInput(option + " " + to + " " + relation + " " + sourceOption + " " + source
                    + ": writing it would overwrite the parent checkpoint");
        }
    }

    /** The real path of a file that may not exist yet: its nearest existing ancestor resolved, the rest appended. */
    private static Path realPath(Path path) throws IOException {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing.toRealPath().resolve(existing.relativize(absolute));
    }

    /** Result figures to a few digits: the termination message has room for summaries only. */
    static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
