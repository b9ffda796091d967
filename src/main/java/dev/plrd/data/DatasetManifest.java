package dev.plrd.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** {@value #FILE_NAME} of a pre-tokenised dataset directory; see {@link TokenDataset} for the format. */
record DatasetManifest(TokenDType dtype, long vocabSize, long tokens, OptionalLong eosId, List<TokenShards.Shard> shards,
        OptionalLong maxTokenId) {
    static final String FILE_NAME = "dataset.json";
    static final String FORMAT = "plrd-tokens/v1";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** The manifest of directory, its shard paths resolved against it; checks the shards' sizes against it. */
    static DatasetManifest read(Path location) throws IOException, DataException {
        Path directory = location.toAbsolutePath().normalize();
        Path file = directory.resolve(FILE_NAME);
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new DataException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new DataException(file + ": expected a JSON object");
        }
        String format = root.path("format").asText();
        if (!FORMAT.equals(format)) {
            throw new DataException(file + ": format '" + format + "' is not " + FORMAT);
        }
        TokenDType dtype;
        try {
            dtype = TokenDType.parse(root.path("dtype").asText());
        } catch (IllegalArgumentException e) {
            throw new DataException(file + ": " + e.getMessage(), e);
        }
        JsonNode shardList = root.path("shards");
        if (!shardList.isArray() || shardList.isEmpty()) {
            throw new DataException(file + ": \"shards\" must be a non-empty list");
        }
        List<TokenShards.Shard> shards = new ArrayList<>();
        long sum = 0;
        for (JsonNode entry : shardList) {
            String name = entry.path("file").asText();
            Path shard = directory.resolve(name).normalize();
            if (name.isEmpty() || !directory.equals(shard.getParent())) {
                throw new DataException(file + ": shard file '" + name + "' must be a plain file name in " + directory);
            }
            long tokens = count(file, entry, "tokens");
            checkSize(shard, tokens, dtype);
            shards.add(new TokenShards.Shard(shard, tokens));
            sum += tokens;
        }
        long tokens = count(file, root, "tokens");
        if (tokens != sum) {
            throw new DataException(file + ": \"tokens\" is " + tokens + " but its shards hold " + sum);
        }
        return new DatasetManifest(dtype, count(file, root, "vocabSize"), tokens, optionalCount(file, root, "eosId"),
                shards, optionalCount(file, root, "maxTokenId"));
    }

    /** eosId and maxTokenId may be left out by other writers: a missing maxTokenId costs a scan of the shards. */
    private static OptionalLong optionalCount(Path file, JsonNode node, String field) throws DataException {
        return node.has(field) ? OptionalLong.of(count(file, node, field)) : OptionalLong.empty();
    }

    private static long count(Path file, JsonNode node, String field) throws DataException {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToExactIntegral() || !value.canConvertToLong() || value.asLong() < 0) {
            throw new DataException(file + ": \"" + field + "\" must be a non-negative integer, got " + value);
        }
        return value.asLong();
    }

    private static void checkSize(Path shard, long tokens, TokenDType dtype) throws IOException, DataException {
        if (!Files.isRegularFile(shard)) {
            throw new DataException(shard + ": shard listed in " + FILE_NAME + " is missing");
        }
        long size = Files.size(shard);
        if (size != tokens * dtype.width()) {
            throw new DataException(shard + ": " + size + " bytes, but " + FILE_NAME + " gives " + tokens + " "
                    + dtype.id() + " tokens (" + tokens * dtype.width() + " bytes)");
        }
    }

    /** The JSON, shard files named relative to the dataset directory. */
    byte[] toJson() throws JsonProcessingException {
        ObjectNode root = JSON.createObjectNode()
                .put("format", FORMAT)
                .put("dtype", dtype.id())
                .put("vocabSize", vocabSize)
                .put("tokens", tokens);
        eosId.ifPresent(id -> root.put("eosId", id));
        ArrayNode list = root.putArray("shards");
        for (TokenShards.Shard shard : shards) {
            list.addObject().put("file", shard.file().getFileName().toString()).put("tokens", shard.tokens());
        }
        maxTokenId.ifPresent(id -> root.put("maxTokenId", id));
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }
}
