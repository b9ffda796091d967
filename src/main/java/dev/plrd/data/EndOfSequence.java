package dev.plrd.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The id that separates documents in a token stream. Looked up, in order, in the model's {@code config.json}
 * ({@code eos_token_id}, the first one when it is a list), in {@code tokenizer_config.json} ({@code eos_token}),
 * both next to tokenizer.json, and last among the usual names of the token in the vocabulary.
 */
final class EndOfSequence {
    static final List<String> USUAL_NAMES = List.of("</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>");
    private static final ObjectMapper JSON = new ObjectMapper();

    private EndOfSequence() {
    }

    static long find(Path tokenizerFile, TokenizerVocabulary vocabulary) throws IOException, DataException {
        Path dir = tokenizerFile.toAbsolutePath().getParent();
        Path config = dir.resolve("config.json");
        JsonNode id = read(config).path("eos_token_id");
        if (id.isArray()) {
            id = id.path(0);
        }
        if (id.canConvertToLong()) {
            return checked(config, id.asLong(), vocabulary);
        }
        Path tokenizerConfig = dir.resolve("tokenizer_config.json");
        JsonNode token = read(tokenizerConfig).path("eos_token");
        String name = token.isObject() ? token.path("content").asText(null) : token.textValue();
        if (name != null) {
            OptionalLong found = vocabulary.id(name);
            if (found.isEmpty()) {
                throw new DataException(tokenizerConfig + ": eos_token '" + name + "' is not in " + tokenizerFile);
            }
            return found.getAsLong();
        }
        for (String usual : USUAL_NAMES) {
            OptionalLong found = vocabulary.id(usual);
            if (found.isPresent()) {
                return found.getAsLong();
            }
        }
        throw new DataException(tokenizerFile + ": no end-of-sequence token to join documents with: no eos_token_id in "
                + config + ", no eos_token in " + tokenizerConfig + ", and none of " + String.join(" ", USUAL_NAMES)
                + " in the vocabulary");
    }

    private static long checked(Path config, long id, TokenizerVocabulary vocabulary) throws DataException {
        if (id < 0 || id >= vocabulary.size()) {
            throw new DataException(config + ": eos_token_id " + id + " is outside the tokenizer's vocabulary of "
                    + vocabulary.size());
        }
        return id;
    }

    /** The file's JSON, or a missing node when there is no such file. */
    private static JsonNode read(Path file) throws IOException, DataException {
        if (!Files.isRegularFile(file)) {
            return JSON.missingNode();
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new DataException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
