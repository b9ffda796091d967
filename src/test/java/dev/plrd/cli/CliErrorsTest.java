package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.data.ByteLevelTokenizerJson;
import dev.plrd.plan.WorkerContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failure of any command is one error line and one hint; the stack trace comes with --verbose only. */
class CliErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path file;
    Path tokenizer;
    Path text;

    @BeforeEach
    void setUp() throws IOException {
        file = Files.writeString(dir.resolve("a-file"), "not a directory");
        tokenizer = dir.resolve("tokenizer.json");
        ByteLevelTokenizerJson.write(tokenizer, 512);
        text = Files.writeString(dir.resolve("corpus.txt"), "Some text to tokenise.");
    }

    private static void assertOneLineAndAHint(Plrd.Run r, String hint) {
        assertThat(r.err().lines().filter(l -> l.startsWith("error: "))).hasSize(1);
        assertThat(r.err().lines().filter(l -> l.startsWith("hint: "))).containsExactly("hint: " + hint);
        assertThat(r.err()).doesNotContain("\tat ");
    }

    @Test
    void anUnexpectedFailureOfACommandIsOneLineUnlessVerbose() {
        // a directory cannot be made under a file: nothing a flag check catches, so it fails along the way
        Object[] args = {"init-model", "--preset", "tiny", "--to", file.resolve("tiny")};
        Plrd.Run quiet = Plrd.run(args);
        assertThat(quiet.code()).isEqualTo(WorkerContract.EXIT_FAILED);
        assertThat(quiet.err()).startsWith("error: java.nio.file.");
        assertThat(quiet.err().lines()).hasSize(2);
        assertOneLineAndAHint(quiet, "rerun with --verbose for the stack trace");

        Plrd.Run verbose = Plrd.run("--verbose", "init-model", "--preset", "tiny", "--to", file.resolve("tiny"));
        assertThat(verbose.code()).isEqualTo(WorkerContract.EXIT_FAILED);
        assertThat(verbose.err()).startsWith(quiet.err()).contains("\tat dev.plrd.");
    }

    @Test
    void anUnexpectedFailureOfAStageKeepsItsResultAndExitCodeAndPrintsOneLineUnlessVerbose() throws IOException {
        Path result = dir.resolve("result.json");
        Plrd.Run quiet = Plrd.run("tokenize", "--input", text, "--tokenizer", tokenizer, "--to", file.resolve("data"),
                "--result", result);
        assertThat(quiet.code()).isEqualTo(WorkerContract.EXIT_FAILED);
        assertOneLineAndAHint(quiet, "rerun with --verbose for the stack trace");
        JsonNode json = JSON.readTree(result.toFile());
        assertThat(json.get("reason").asText()).isEqualTo("Failed");
        assertThat(quiet.err()).contains("error: " + json.get("error").asText());

        // inherited: the option works after the subcommand too
        Plrd.Run verbose = Plrd.run("tokenize", "--verbose", "--input", text, "--tokenizer", tokenizer, "--to",
                file.resolve("data"), "--result", result);
        assertThat(verbose.code()).isEqualTo(WorkerContract.EXIT_FAILED);
        assertThat(verbose.err()).contains("\tat dev.plrd.");
    }

    @Test
    void badInputOfAStageHintsAtItsHelp() throws IOException {
        Path result = dir.resolve("result.json");
        Plrd.Run r = Plrd.run("tokenize", "--input", text, "--tokenizer", tokenizer, "--to", file, "--result", result);
        assertThat(r.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertOneLineAndAHint(r, "'plrd tokenize --help' describes every option");
        assertThat(r.err()).contains("error: --to " + file + ": exists and is not a directory");
        assertThat(JSON.readTree(result.toFile()).get("reason").asText()).isEqualTo("InvalidInput");
    }

    @Test
    void aCommandLineErrorIsOneLineAndAHintNotTheWholeUsage() {
        Plrd.Run missing = Plrd.run("train", "--from", dir);
        assertThat(missing.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(missing.err().lines()).containsExactly("error: Missing required options: '--to=DIR', '--data=URI',"
                + " '--tokens=COUNT'", "hint: 'plrd train --help' describes every option");

        Plrd.Run typo = Plrd.run("trian");
        assertThat(typo.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(typo.err()).contains("Did you mean: plrd plan or plrd train?").doesNotContain("Usage:");
    }
}
