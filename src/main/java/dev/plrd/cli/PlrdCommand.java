package dev.plrd.cli;

import picocli.CommandLine.Command;

@Command(name = "plrd", mixinStandardHelpOptions = true, version = "plrd 0.1.0",
        description = "Progressive Low Rank Decomposition: one pretrained model in, a family of smaller ones out.",
        subcommands = {OperatorCommand.class, ValidateCommand.class, PlanCommand.class, InitModelCommand.class,
                DecomposeCommand.class, TokenizeCommand.class, TrainCommand.class, EvaluateCommand.class})
public class PlrdCommand {
}
