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
    void shapePresetsAreConfigOnly() throws Exception {
        Path model = dir.resolve("mistral");
        assertThat(PlrdCommand.commandLine().execute("init-model", "--preset", "mistral-7b-shape", "--to",
                model.toString())).isZero();
        assertThat(model.resolve(ModelConfig.FILE_NAME)).exists();
        assertThat(model.resolve(TextTokenizer.FILE_NAME)).doesNotExist();
    }
}
