package dev.plrd.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The ids a Hugging Face tokenizer.json can produce, read from its JSON, since the binding offers no lookup of a
 * token's id: the model's vocabulary (a map for BPE, WordPiece and WordLevel, a list of [piece, score] for Unigram)
 * and the added tokens.
 */
final class TokenizerVocabulary {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Long> ids;
    private final long size;

    private TokenizerVocabulary(Map<String, Long> ids, long size) {
        this.ids = ids;
        this.size = size;
    }

    /** @param source names the file in messages */
    static TokenizerVocabulary parse(byte[] json, String source) throws DataException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new DataException(source + ": not a tokenizer.json (not valid JSON: " + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new DataException(source + ": unreadable: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("model").isObject()) {
            throw new DataException(source + ": not a tokenizer.json (no \"model\" object)");
        }
        Map<String, Long> ids = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                ids.put(e.getKey(), e.getValue().asLong());
            }
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                ids.put(vocab.get(i).path(0).asText(), (long) i);
            }
        }
        for (JsonNode added : root.path("added_tokens")) {
            ids.put(added.path("content").asText(), added.path("id").asLong());
        }
        long max = ids.values().stream().mapToLong(Long::longValue).max().orElse(-1);
        if (max < 0) {
            throw new DataException(source + ": the tokenizer has an empty vocabulary");
        }
        return new TokenizerVocabulary(ids, max + 1);
    }

    /** One more than the largest id. */
    long size() {
        return size;
    }

    OptionalLong id(String token) {
        Long id = ids.get(token);
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }
}
