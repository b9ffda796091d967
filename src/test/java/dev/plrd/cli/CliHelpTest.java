package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.ParseResult;

/** Every command's --help works and is complete: every option described, and an example that is a valid command line. */
class CliHelpTest {
    /** The commands as registered, so a command added later is checked without anyone listing it here. */
    static Stream<String> commands() {
        return PlrdCommand.commandLine().getSubcommands().keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("commands")
    void helpExitsZeroWithAnExampleThatParses(String name) {
        Plrd.Run r = Plrd.run(name, "--help");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Usage: plrd " + name).contains("--verbose").contains("Example:");
        List<String[]> examples = examples(r.out());
        assertThat(examples).isNotEmpty();
        for (String[] example : examples) {
            assertThat(example[0]).isEqualTo(name);
            assertThatCode(() -> {
                ParseResult parsed = PlrdCommand.commandLine().parseArgs(example);
                assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(name);
            }).as(String.join(" ", example)).doesNotThrowAnyException();
        }
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyOptionAndParameterIsDescribed(String name) {
        CommandLine command = PlrdCommand.commandLine().getSubcommands().get(name);
        List<ArgSpec> args = new ArrayList<>(command.getCommandSpec().options());
        args.addAll(command.getCommandSpec().positionalParameters());
        assertThat(args).isNotEmpty().allSatisfy(arg -> assertThat(String.join(" ", arg.description()))
                .as("%s %s", name, arg.paramLabel()).isNotBlank());
    }

    @Test
    void theTopCommandListsEveryCommandAndHasAnExample() {
        Plrd.Run r = Plrd.run("--help");
        assertThat(r.code()).isZero();
        commands().forEach(name -> assertThat(r.out()).contains("  " + name));
        assertThat(examples(r.out())).isNotEmpty().allSatisfy(example -> assertThatCode(
                () -> PlrdCommand.commandLine().parseArgs(example)).doesNotThrowAnyException());
    }

    @Test
    void noCommandNamesTheCommandsOnOneLineWithAHint() {
        Plrd.Run r = Plrd.run();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly(
                "error: no command given; one of: " + String.join(", ", commands().toList()),
                "hint: 'plrd --help' describes every option");
    }

    /**
     * The command lines under "Example:", continuation lines joined, comments and leading environment
     * assignments dropped, and the leading {@code plrd} removed: the arguments as the shell would pass them.
     */
    private static List<String[]> examples(String help) {
        String after = help.substring(help.indexOf("Example:") + "Example:".length());
        List<String[]> commands = new ArrayList<>();
        for (String line : after.replaceAll("\\\\\\R", " ").split("\\R")) {
            String command = line.replaceAll("#.*", "").strip();
            if (command.isEmpty()) {
                continue;
            }
            List<String> words = new ArrayList<>(Arrays.asList(command.split("\\s+")));
            while (words.get(0).matches("[A-Z_]+=.*")) {
                words.remove(0);
            }
            assertThat(words.remove(0)).as(line).isEqualTo("plrd");
            commands.add(words.toArray(String[]::new));
        }
        return commands;
    }
}
