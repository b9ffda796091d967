package dev.plrd.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text and jsonl datasets, tokenised through the tiny model's tokenizer into the cache, and read back. */
class TextDatasetTest {
    @TempDir
    Path dir;
    Path model;
    Path cache;

    @BeforeEach
    void tinyModel() throws Exception {
        model = TokenStreams.tinyModel(dir);
        cache = dir.resolve("cache");
    }

    private List<Path> cacheFiles() throws Exception {
        try (Stream<Path> walk = Files.walk(cache)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void textAndJsonlDocumentsAreJoinedByTheEndOfSequenceId() throws Exception {
        Path corpus = Files.createDirectory(dir.resolve("corpus"));
        Files.writeString(corpus.resolve("a.txt"), "\uFEFFA whole file is one document.\nWith two lines.\n");
        Files.writeString(corpus.resolve("b.jsonl"), """
                {"text": "First line document.", "id": 1}

                {"text": "Second, with \\u00e9 and a tab\\t.", "meta": {"x": [1, 2]}}
                {"text": ""}
                """);
        try (TokenDataset d = TokenDataset.open(corpus.toString(), 512, model, cache)) {
            assertThat(TokenStreams.all(d)).isEqualTo(TokenStreams.of(model, "A whole file is one document.\nWith two lines.\n",
                    "First line document.", "Second, with é and a tab\t."));
            assertThat(d.describe()).contains(corpus.toString(), "text, 2 files", "uint16");
        }
        try (TokenDataset d = TokenDataset.open(corpus.resolve("b.jsonl").toString(), 512, model, cache)) {
            assertThat(TokenStreams.all(d)).isEqualTo(TokenStreams.of(model, "First line document.", "Second, with é and a tab\t."));
        }
    }

    @Test
    void theSecondOpenReusesTheCacheAndChangedTextIsTokenisedAgain() throws Exception {
        Path text = Files.writeString(dir.resolve("story.txt"), "Once upon a time there was a cache.");
        long tokens;
        try (TokenDataset d = TokenDataset.open(text.toString(), 512, model, cache)) {
            tokens = d.tokens();
        }
        List<Path> files = cacheFiles();
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("dataset.json", "shard-00000.bin");
        FileTime written = FileTime.fromMillis(1_000_000_000_000L);
        for (Path f : files) {
            Files.setLastModifiedTime(f, written);
        }
        try (TokenDataset d = TokenDataset.open("file://" + text, 512, model, cache)) {
            assertThat(d.tokens()).isEqualTo(tokens);
        }
        assertThat(cacheFiles()).isEqualTo(files);
        for (Path f : files) {
            assertThat(Files.getLastModifiedTime(f)).isEqualTo(written);
        }

        Files.writeString(text, "Once upon a time there was a new cache entry.");
        try (TokenDataset d = TokenDataset.open(text.toString(), 512, model, cache)) {
            assertThat(TokenStreams.all(d)).isEqualTo(TokenStreams.of(model, "Once upon a time there was a new cache entry."));
        }
        assertThat(cacheFiles()).hasSize(4);
        try (Stream<Path> entries = Files.list(cache)) {
            assertThat(entries).allMatch(p -> !p.getFileName().toString().startsWith("."));
        }
    }

    @Test
    void aDocumentLongerThanAPieceGivesTheTokensOfTheWhole() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() <= Pieces.MAX_CHARS + 100_000; i++) {
            sb.append("Line ").append(i).append(" of the long document, with some words.").append(i % 7 == 0 ? "\n\n" : "\n");
        }
        String doc = sb.toString();
        Path text = Files.writeString(dir.resolve("long.txt"), doc);
        try (TokenDataset d = TokenDataset.open(text.toString(), 512, model, cache)) {
            assertThat(TokenStreams.all(d)).isEqualTo(TokenStreams.of(model, doc));
        }
    }

    @Test
    void textNeedsTheTokenizerAndTheVocabularyMustHoldItsIds() throws Exception {
        Path text = Files.writeString(dir.resolve("story.txt"), "The people said so.");
        assertThatThrownBy(() -> TokenDataset.open(text.toString(), 512, null, cache))
                .isInstanceOf(DataException.class)
                .hasMessageContaining(text + ": a text dataset is tokenised on first use");
        Path noTokenizer = Files.createDirectory(dir.resolve("weights-only"));
        assertThatThrownBy(() -> TokenDataset.open(text.toString(), 512, noTokenizer, cache))
                .isInstanceOf(DataException.class)
                .hasMessageContaining(noTokenizer.resolve("tokenizer.json") + ": no such tokenizer file");
        assertThatThrownBy(() -> TokenDataset.open(text.toString(), 300, model, cache))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("dataset.json: maxTokenId").hasMessageContaining("vocabulary size 300");
    }

    @Test
    void brokenTextIsRejectedNamingFileAndLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n");
        assertThatThrownBy(() -> TokenDataset.open(bad.toString(), 512, model, cache))
                .isInstanceOf(DataException.class).hasMessageContaining(bad + ":2: not valid JSON");
        Path noField = Files.writeString(dir.resolve("nofield.jsonl"), "{\"content\": \"ok\"}\n");
        assertThatThrownBy(() -> TokenDataset.open(noField.toString(), 512, model, cache))
                .hasMessageContaining(noField + ":1: no \"text\" field");
        Path notUtf8 = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, ' ', 'x'});
        assertThatThrownBy(() -> TokenDataset.open(notUtf8.toString(), 512, model, cache))
                .hasMessageContaining(notUtf8 + ": not UTF-8 text");
        try (Stream<Path> left = Files.list(cache)) {
            assertThat(left).isEmpty();
        }
    }
}
