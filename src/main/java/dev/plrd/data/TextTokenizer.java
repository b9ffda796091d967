package dev.plrd.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json}, run by the Rust tokenizers through DJL, set up to turn training text into
 * ids as it is: no special tokens added, and neither truncation nor padding, which DJL otherwise applies by
 * default (documents cut at 512 tokens, a batch padded to its longest member).
 */
public final class TextTokenizer implements AutoCloseable {
    public static final String FILE_NAME = "tokenizer.json";
    private static final Map<String, String> AS_IS = Map.of("addSpecialTokens", "false", "truncation", "false",
            "padding", "false");

    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private final long vocabularySize;
    private final long eosId;
    private final String sha256;

    private TextTokenizer(Path file, HuggingFaceTokenizer tokenizer, long vocabularySize, long eosId, String sha256) {
        this.file = file;
        this.tokenizer = tokenizer;
        this.vocabularySize = vocabularySize;
        this.eosId = eosId;
        this.sha256 = sha256;
    }

    /** From a tokenizer.json file, or a directory (a model checkpoint) holding one. */
    public static TextTokenizer load(Path fileOrDirectory) throws IOException, DataException {
        Path file = Files.isDirectory(fileOrDirectory) ? fileOrDirectory.resolve(FILE_NAME) : fileOrDirectory;
        if (!Files.isRegularFile(file)) {
            throw new DataException(file + ": no such tokenizer file");
        }
        byte[] json = Files.readAllBytes(file);
        TokenizerVocabulary vocabulary = TokenizerVocabulary.parse(json, file.toString());
        long eosId = EndOfSequence.find(file, vocabulary);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), AS_IS);
        } catch (RuntimeException e) {
            // the Rust side rejects a JSON it cannot build a tokenizer from with a plain RuntimeException
            throw new DataException(file + ": not a tokenizer the Hugging Face tokenizers library can load: "
                    + e.getMessage(), e);
        }
        return new TextTokenizer(file, tokenizer, vocabulary.size(), eosId, ContentHash.of(json));
    }

    public Path file() {
        return file;
    }

    /** One more than the largest id the tokenizer can produce. */
    public long vocabularySize() {
        return vocabularySize;
    }

    public long eosId() {
        return eosId;
    }

    /** Of the tokenizer.json bytes: part of the key of cached tokenised text. */
    String sha256() {
        return sha256;
    }

    /** The ids of each text, in order; the batch is tokenised in parallel by the Rust side. */
    public long[][] encode(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts.toArray(String[]::new));
        long[][] ids = new long[encodings.length][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = encodings[i].getIds();
        }
        return ids;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
