package dev.plrd.cli;

import dev.plrd.plan.WorkerContract;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How every command reports a failure: one line saying what went wrong, one line of hint, and the
 * stack trace only under {@code --verbose}. A user reads the first two; a developer asks for the third.
 */
final class ErrorReport implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final String VERBOSE_HINT = "rerun with --verbose for the stack trace";

    /** An exception that escaped a command's call(): a {@link UserError} exits 2, anything else 1. */
    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        if (e instanceof UserError user) {
            print(err, user.getMessage(), user.hint(), e, verbose(command.getCommandSpec()));
            return WorkerContract.EXIT_INVALID_INPUT;
        }
        print(err, describe(e), VERBOSE_HINT, e, verbose(command.getCommandSpec()));
        return WorkerContract.EXIT_FAILED;
    }

    /** An unknown option, a missing required one, a value that does not convert: the message and where help is. */
    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("error: " + oneLine(e.getMessage()));
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("hint: " + helpHint(command.getCommandSpec()));
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** {@code error: MESSAGE} and {@code hint: HINT}, each on one line; the stack trace of cause when verbose. */
    static void print(PrintWriter err, String message, String hint, Throwable cause, boolean verbose) {
        err.println("error: " + oneLine(message));
        err.println("hint: " + hint);
        if (verbose && cause != null) {
            cause.printStackTrace(err);
        }
    }

    /** What an unexpected exception says: its message, with its type when the message alone would not tell. */
    static String describe(Throwable e) {
        Throwable shown = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        return shown.toString();
    }

    /** Where a user learns the options of the command that failed (of plrd, for a stage run outside a command line). */
    static String helpHint(CommandSpec spec) {
        return "'" + (spec == null ? "plrd" : spec.qualifiedName()) + " --help' describes every option";
    }

    /** Whether --verbose was given: an option of the top command that every subcommand inherits. */
    static boolean verbose(CommandSpec spec) {
        return spec != null && spec.root().userObject() instanceof PlrdCommand top && top.verbose;
    }

    private static String oneLine(String message) {
        return message == null ? "" : String.join(" ", message.strip().split("\\s*\\R\\s*"));
    }
}
