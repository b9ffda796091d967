package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.data.SplitName;
import dev.plrd.data.TextTokenizer;
import dev.plrd.data.TokenDataset;
import dev.plrd.model.Checkpoint;
import dev.plrd.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd init-model`: a tiny model ready to train on text with no download, and config-only shapes. */
class InitModelCommandTest {
    @TempDir
    Path dir;

    @Test
    void tinyPresetComesWithATokenizerThatFitsItsVocabulary() throws Exception {
        Path model = dir.resolve("tiny");
        assertThat(PlrdCommand.commandLine().execute("init-model", "--preset", "tiny", "--to", model.toString()))
                .isZero();
        ModelConfig config = ModelConfig.read(model.resolve(ModelConfig.FILE_NAME));
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            assertThat(checkpoint.config().vocabSize()).isEqualTo(512);
        }
        try (TextTokenizer tokenizer = TextTokenizer.load(model)) {
            assertThat(tokenizer.vocabularySize()).isEqualTo(config.vocabSize());
            assertThat(tokenizer.eosId()).isEqualTo(1);
            assertThat(Arrays.stream(tokenizer.encode(List.of("Any text, ünïcödé included."))[0]).max().getAsLong())
                    .isLessThan(512);
        }
        Path text = Files.writeString(dir.resolve("corpus.txt"), "A story for the tiny model. ".repeat(200));
        try (TokenDataset data = TokenDataset.open(text.toString(), config.vocabSize(), model, dir.resolve("cache"))) {
            assertThat(data.split(SplitName.TRAIN, 16).windows()).isPositive();
        }
    }

    @Test
    void anExistingDirectoryIsKeptUnlessForced() throws Exception {
        Path model = dir.resolve("model");
        assertThat(Plrd.run("init-model", "--preset", "tiny", "--to", model, "--seed", "1").code()).isZero();
        byte[] weights = Files.readAllBytes(model.resolve(Checkpoint.SINGLE_FILE));

        Plrd.Run refused = Plrd.run("init-model", "--preset", "tiny", "--to", model, "--seed", "2");
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err().lines()).containsExactly("error: --to " + model + ": exists and is not empty",
                "hint: choose another --to, or pass --force to replace it");
        assertThat(Files.readAllBytes(model.resolve(Checkpoint.SINGLE_FILE))).isEqualTo(weights);

        Plrd.Run forced = Plrd.run("init-model", "--preset", "tiny", "--to", model, "--seed", "2", "--force");
        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(Files.readAllBytes(model.resolve(Checkpoint.SINGLE_FILE))).isNotEqualTo(weights);

        // a config alone must not end up next to the weights of another model
        assertThat(Plrd.run("init-model", "--preset", "mistral-7b-shape", "--to", model, "--force").code()).isZero();
        try (var files = Files.list(model)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(ModelConfig.FILE_NAME);
        }
    }

    @Test
    void anEmptyDirectoryIsTakenAndAFileRefused() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThat(Plrd.run("init-model", "--preset", "mistral-7b-shape", "--to", empty).code()).isZero();
        Path file = Files.writeString(dir.resolve("file"), "x");
        Plrd.Run refused = Plrd.run("init-model", "--preset", "tiny", "--to", file);
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).startsWith("error: --to " + file + ": exists and is not a directory");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    @Test
    void anUnknownPresetNamesTheOption() {
        Plrd.Run r = Plrd.run("init-model", "--preset", "huge", "--to", dir.resolve("m"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --preset ").contains("hint: 'plrd init-model --help' describes every option");
    }

    @Test
    void shapePresetsAreConfigOnly() throws Exception {
        Path model = dir.resolve("mistral");
        assertThat(PlrdCommand.commandLine().execute("init-model", "--preset", "mistral-7b-shape", "--to",
                model.toString())).isZero();
        assertThat(model.resolve(ModelConfig.FILE_NAME)).exists();
        assertThat(model.resolve(TextTokenizer.FILE_NAME)).doesNotExist();
    }
}
