package dev.plrd.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

@Command(name = "plrd", mixinStandardHelpOptions = true, version = "plrd 0.1.0",
        description = "Progressive Low Rank Decomposition: one pretrained model in, a family of smaller ones out.",
        footer = {"%nExample:", "  plrd init-model --preset tiny --to models/tiny",
                "  plrd decompose --from models/tiny --to models/tiny-half --rank-fraction 0.5"},
        subcommands = {OperatorCommand.class, ValidateCommand.class, PlanCommand.class, InitModelCommand.class,
                DecomposeCommand.class, TokenizeCommand.class, TrainCommand.class, EvaluateCommand.class,
                FetchCommand.class, PublishCommand.class, PullCommand.class, RunCommand.class})
public class PlrdCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print the stack trace of a failure, not only its one-line message.")
    boolean verbose;

    /** {@code plrd} alone: which commands there are, as for any other missing argument. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(),
                "no command given; one of: " + String.join(", ", spec.subcommands().keySet()));
    }

    /**
     * The command line as every entry point runs it. {@code @file} expansion is off: stage
     * arguments carry values from the ModelFamily spec, and an argument such as
     * {@code @/proc/self/environ} must stay a value, never become the contents of a file.
     * Every command reports failures the same way ({@link ErrorReport}).
     */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /**
     * The command line with the environment its stage commands read (the workspace, the Hub endpoint and token) in
     * place of the process's: how a local run starts each stage in this JVM as a pod would start it.
     */
    public static CommandLine commandLine(Map<String, String> environment) {
        ErrorReport errors = new ErrorReport();
        CommandLine line = new CommandLine(new PlrdCommand()).setExpandAtFiles(false).setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors);
        for (CommandLine sub : line.getSubcommands().values()) {
            if (sub.getCommand() instanceof StageCommand stage) {
                stage.environment = Map.copyOf(environment);
            }
        }
        return line;
    }
}
