package dev.plrd.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine;

@Command(name = "plrd", mixinStandardHelpOptions = true, version = "plrd 0.1.0",
        description = "Progressive Low Rank Decomposition: one pretrained model in, a family of smaller ones out.",
        subcommands = {OperatorCommand.class, ValidateCommand.class, PlanCommand.class, InitModelCommand.class,
                DecomposeCommand.class, TokenizeCommand.class, TrainCommand.class, EvaluateCommand.class,
                FetchCommand.class, PublishCommand.class, PullCommand.class, RunCommand.class})
public class PlrdCommand {
    /**
     * The command line as every entry point runs it. {@code @file} expansion is off: stage
     * arguments carry values from the ModelFamily spec, and an argument such as
     * {@code @/proc/self/environ} must stay a value, never become the contents of a file.
     */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /**
     * The command line with the environment its stage commands read (the workspace, the Hub endpoint and token) in
     * place of the process's: how a local run starts each stage in this JVM as a pod would start it.
     */
    public static CommandLine commandLine(Map<String, String> environment) {
        CommandLine line = new CommandLine(new PlrdCommand()).setExpandAtFiles(false);
        for (CommandLine sub : line.getSubcommands().values()) {
            if (sub.getCommand() instanceof StageCommand stage) {
                stage.environment = Map.copyOf(environment);
            }
        }
        return line;
    }
}
