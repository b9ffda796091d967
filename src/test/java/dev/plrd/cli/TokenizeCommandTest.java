package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.data.ByteLevelTokenizerJson;
import dev.plrd.data.SplitName;
import dev.plrd.data.TextTokenizer;
import dev.plrd.data.TokenDataset;
import dev.plrd.plan.WorkerContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd tokenize` end to end with the tiny byte-level tokenizer, and what it refuses. */
class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path tokenizer;



    @BeforeEach
    void tinyTokenizer() throws IOException {
        tokenizer = dir.resolve("tokenizer.json");
        ByteLevelTokenizerJson.write(tokenizer, 512);
    }

    private static long[] expected(Path tokenizer, String... documents) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (TextTokenizer t = TextTokenizer.load(tokenizer)) {
            for (String doc : documents) {
                for (long id : t.encode(List.of(doc))[0]) {
                    ids.add(id);
                }
                ids.add(t.eosId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private List<String> siblingsOf(Path to) throws IOException {
        try (Stream<Path> list = Files.list(to.toAbsolutePath().getParent())) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.contains(to.getFileName().toString())).toList();
        }
    }

    @Test
    void tokenisesTextAndJsonlIntoShardsThatTrainingReads() throws Exception {
        Path corpus = Files.createDirectory(dir.resolve("corpus"));
        Files.writeString(corpus.resolve("01.txt"), "The first document is a whole file.");
        Files.writeString(corpus.resolve("02.jsonl"), "{\"body\": \"Second document.\"}\n{\"body\": \"And the third.\"}\n");
        Path extra = Files.writeString(dir.resolve("extra.jsonl"), "{\"body\": \"Fourth, from a file named directly.\"}\n");
        Path to = dir.resolve("out").resolve("dataset");
        Path report = dir.resolve("report.json");

        Plrd.Run r = Plrd.run("tokenize", "--input", corpus.toString(), "--input", extra.toString(), "--tokenizer", tokenizer.toString(),
                "--to", to.toString(), "--field", "body", "--shard-tokens", "20", "--report", report.toString());

        assertThat(r.code()).as(r.err()).isZero();
        long[] expected = expected(tokenizer, "The first document is a whole file.", "Second document.",
                "And the third.", "Fourth, from a file named directly.");
        assertThat(r.err()).contains("tokenize 100/100", "4 documents", expected.length + " tokens (uint16, ");
        JsonNode manifest = JSON.readTree(to.resolve("dataset.json").toFile());
        assertThat(manifest.get("format").asText()).isEqualTo("plrd-tokens/v1");
        assertThat(manifest.get("dtype").asText()).isEqualTo("uint16");
        assertThat(manifest.get("vocabSize").asLong()).isEqualTo(512);
        assertThat(manifest.get("eosId").asLong()).isEqualTo(1);
        assertThat(manifest.get("tokens").asLong()).isEqualTo(expected.length);
        assertThat(manifest.get("shards")).hasSize((expected.length + 19) / 20);
        assertThat(manifest.get("shards").get(0).get("file").asText()).isEqualTo("shard-00000.bin");
        assertThat(Files.size(to.resolve("shard-00000.bin"))).isEqualTo(40);
        JsonNode result = JSON.readTree(report.toFile());
        assertThat(result.get("tokens").asLong()).isEqualTo(expected.length);
        assertThat(result.get("uri").asText()).isEqualTo(to.toAbsolutePath().toString());

        try (TokenDataset d = TokenDataset.open(to.toString(), 512, null, null)) {
            long[] all = new long[expected.length];
            d.split(SplitName.ALL, all.length - 1).window(0, all);
            assertThat(all).isEqualTo(expected);
        }
        assertThat(siblingsOf(to)).containsExactly("dataset");
    }

    @Test
    void aCheckpointDirectoryServesAsTheTokenizerAndAnEmptyTargetIsFilled() throws Exception {
        Path model = Files.createDirectory(dir.resolve("model"));
        Files.copy(tokenizer, model.resolve("tokenizer.json"));
        Path text = Files.writeString(dir.resolve("notes.md"), "Plain text with another extension.");
        Path to = Files.createDirectory(dir.resolve("empty"));
        Plrd.Run r = Plrd.run("tokenize", "--input", text.toString(), "--format", "text", "--tokenizer", model.toString(),
                "--to", to.toString());
        assertThat(r.code()).as(r.err()).isZero();
        try (TokenDataset d = TokenDataset.open(to.toString(), 512, null, null)) {
            assertThat(d.tokens()).isEqualTo(expected(tokenizer, "Plain text with another extension.").length);
        }
    }

    @Test
    void badInputExitsTwoNamingTheProblemAndLeavesNothingBehind() throws Exception {
        Path good = Files.writeString(dir.resolve("good.jsonl"), "{\"text\": \"fine\"}\n");
        Path badLine = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"fine\"}\n{\"text\": oops}\n");
        Path noField = Files.writeString(dir.resolve("nofield.jsonl"), "{\"text\": \"fine\"}\n{\"content\": \"x\"}\n");
        Path brokenTokenizer = Files.writeString(dir.resolve("broken.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": 7}}");
        Path notJson = Files.writeString(dir.resolve("notjson.json"), "vocab: [");
        Path unknownModel = Files.writeString(dir.resolve("unknown.json"),
                "{\"model\": {\"type\": \"Telepathy\", \"vocab\": {\"</s>\": 0}}}");
        Path to = dir.resolve("new").resolve("dataset");

        expectInvalid(to, "absent.txt: no such file or directory", "--input", dir.resolve("absent.txt").toString(),
                "--tokenizer", tokenizer.toString());
        expectInvalid(to, badLine + ":2: not valid JSON", "--input", good.toString(), "--input", badLine.toString(),
                "--tokenizer", tokenizer.toString());
        expectInvalid(to, noField + ":2: no \"text\" field", "--input", noField.toString(), "--tokenizer",
                tokenizer.toString());
        expectInvalid(to, brokenTokenizer + ": the tokenizer has an empty vocabulary", "--input", good.toString(),
                "--tokenizer", brokenTokenizer.toString());
        expectInvalid(to, notJson + ": not a tokenizer.json (not valid JSON", "--input", good.toString(),
                "--tokenizer", notJson.toString());
        expectInvalid(to, unknownModel + ": not a tokenizer the Hugging Face tokenizers library can load", "--input",
                good.toString(), "--tokenizer", unknownModel.toString());
        expectInvalid(to, dir.resolve("nothing") + ": no such tokenizer file", "--input", good.toString(),
                "--tokenizer", dir.resolve("nothing").toString());
        expectInvalid(to, "--shard-tokens 'lots' is not a count", "--input", good.toString(), "--tokenizer",
                tokenizer.toString(), "--shard-tokens", "lots");
        expectInvalid(to, "--format unknown format 'csv'", "--input", good.toString(), "--tokenizer",
                tokenizer.toString(), "--format", "csv");
        Path unknownExtension = Files.writeString(dir.resolve("corpus.csv"), "a,b");
        expectInvalid(to, "cannot tell its format", "--input", unknownExtension.toString(), "--tokenizer",
                tokenizer.toString());
        Path blank = Files.writeString(dir.resolve("blank.txt"), "");
        expectInvalid(to, blank + ": holds no text", "--input", blank.toString(), "--tokenizer", tokenizer.toString());
        assertThat(dir.resolve("new")).doesNotExist();

        Path existing = Files.createDirectory(dir.resolve("existing"));
        Files.writeString(existing.resolve("keep.txt"), "mine");
        Plrd.Run r = Plrd.run("tokenize", "--input", good.toString(), "--tokenizer", tokenizer.toString(), "--to",
                existing.toString());
        assertThat(r.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(r.err()).contains("--to " + existing + ": exists and is not empty");
        assertThat(existing.resolve("keep.txt")).hasContent("mine");
    }

    private void expectInvalid(Path to, String message, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("tokenize", "--to", to.toString()));
        all.addAll(List.of(args));
        Plrd.Run r = Plrd.run(all.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(r.err()).contains(message);
        assertThat(to).doesNotExist();
        if (Files.exists(to.getParent())) {
            assertThat(siblingsOf(to)).isEmpty();
        }
    }
}
