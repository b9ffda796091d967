package dev.plrd.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated tokenizer is one the Hugging Face library loads and runs, offline, and it fits its vocabulary. */
class ByteLevelTokenizerJsonTest {
    private static final String SENTENCE = "The café served crème brûlée; 東京 was 23°C. 🚀\n\tIndented   spaces.";

    @TempDir
    Path dir;

    @Test
    void loadsInTheHuggingFaceLibraryAndRoundTripsUtf8() throws Exception {
        Path file = dir.resolve("tokenizer.json");
        ByteLevelTokenizerJson.write(file, 512);
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false", "truncation", "false"))) {
            Encoding encoding = tokenizer.encode(SENTENCE);
            long[] ids = encoding.getIds();
            assertThat(Arrays.stream(ids).allMatch(id -> id >= 2 && id < 512)).as("ids of bytes and merges").isTrue();
            assertThat(tokenizer.decode(ids)).isEqualTo(SENTENCE);
            assertThat(ids.length).as("merges shorten English").isLessThan(SENTENCE.getBytes("UTF-8").length);
            assertThat(tokenizer.encode(" the").getIds()).hasSize(1);
            assertThat(tokenizer.encode("</s>").getIds()).containsExactly(1);
        }
    }

    @Test
    void fillsTheVocabularyWithMergesAndNoMore() throws Exception {
        try (TextTokenizer full = load(512); TextTokenizer bytesOnly = load(ByteLevelTokenizerJson.BASE_VOCABULARY)) {
            assertThat(full.vocabularySize()).isEqualTo(512);
            assertThat(full.eosId()).isEqualTo(1);
            assertThat(bytesOnly.vocabularySize()).isEqualTo(258);
            long[] ids = bytesOnly.encode(List.of("hello"))[0];
            assertThat(ids).hasSize(5);
            assertThat(Arrays.stream(full.encode(List.of(SENTENCE))[0]).max().getAsLong()).isLessThan(512);
        }
        assertThatThrownBy(() -> ByteLevelTokenizerJson.write(dir.resolve("x.json"), 100))
                .hasMessageContaining("at least 258");
    }

    private TextTokenizer load(int vocab) throws Exception {
        Path file = dir.resolve("tokenizer-" + vocab + ".json");
        ByteLevelTokenizerJson.write(file, vocab);
        return TextTokenizer.load(file);
    }
}
