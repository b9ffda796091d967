package dev.plrd.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A checkpoint directory in Hugging Face layout: {@value ModelConfig#FILE_NAME} plus either {@value #SINGLE_FILE}
 * or shards listed by {@value #INDEX}. Opening checks that the files hold every tensor the config requires, with
 * the shape it requires (see {@link LlamaLayout}); tensors are then read one at a time.
 */
public final class Checkpoint implements Closeable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** Problems listed in full in one message; a config for another model would otherwise list hundreds. */
    private static final int PROBLEMS_SHOWN = 5;

    private final Path directory;
    private final ModelConfig config;
    private final Map<String, SafetensorsReader> readers;
    private final Map<String, SafetensorsReader> readerOf;
    private final List<TensorInfo> tensors;

    private Checkpoint(Path directory, ModelConfig config, Map<String, SafetensorsReader> readers,
            Map<String, SafetensorsReader> readerOf, List<TensorInfo> tensors) {
        this.directory = directory;
        this.config = config;
        this.readers = readers;
        this.readerOf = readerOf;
        this.tensors = tensors;
    }

    public static Checkpoint open(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new CheckpointException(directory, Files.exists(directory) ? "is not a directory" : "does not exist");
        }
        Path configFile = directory.resolve(ModelConfig.FILE_NAME);
        if (!Files.exists(configFile)) {
            throw new CheckpointException(directory, "has no " + ModelConfig.FILE_NAME);
        }
        ModelConfig config = ModelConfig.read(configFile);
        Map<String, SafetensorsReader> readers = new TreeMap<>(); // shard names sort in shard order
        try {
            Path index = directory.resolve(INDEX);
            Path single = directory.resolve(SINGLE_FILE);
            Map<String, SafetensorsReader> readerOf = new LinkedHashMap<>();
            Path source;
            // with both present, transformers loads the single file; so do we, so that both load the same weights
            if (Files.exists(single, LinkOption.NOFOLLOW_LINKS)) {
                source = single;
                SafetensorsReader reader = SafetensorsReader.open(single);
                readers.put(SINGLE_FILE, reader);
                reader.tensors().forEach(t -> readerOf.put(t.name(), reader));
            } else if (Files.exists(index, LinkOption.NOFOLLOW_LINKS)) {
                source = index;
                openShards(directory, index, readers, readerOf);
            } else {
                throw new CheckpointException(directory, "has neither " + SINGLE_FILE + " nor " + INDEX);
            }
            List<TensorInfo> tensors = new ArrayList<>();
            for (SafetensorsReader reader : readers.values()) {
                reader.tensors().stream().filter(t -> readerOf.get(t.name()) == reader).forEach(tensors::add);
            }
            checkAgainstConfig(source, configFile, config, tensors, readerOf);
            return new Checkpoint(directory, config, readers, readerOf, List.copyOf(tensors));
        } catch (IOException | RuntimeException e) {
            closeAll(readers.values(), e);
            throw e;
        }
    }

    /** Opens every shard the index names and checks that each holds the tensors the index maps to it. */
    private static void openShards(Path directory, Path index, Map<String, SafetensorsReader> readers,
            Map<String, SafetensorsReader> readerOf) throws IOException {
        for (Map.Entry<String, String> mapping : weightMap(index).entrySet()) {
            String tensor = mapping.getKey();
            String shard = mapping.getValue();
            SafetensorsReader reader = readers.get(shard);
            if (reader == null) {
                Path shardFile = directory.resolve(shard);
                if (!Files.exists(shardFile, LinkOption.NOFOLLOW_LINKS)) {
                    throw new CheckpointException(index, "maps tensor '" + tensor + "' to shard " + shard + ", which does not exist");
                }
                reader = SafetensorsReader.open(shardFile);
                readers.put(shard, reader);
            }
            if (reader.tensor(tensor).isEmpty()) {
                throw new CheckpointException(reader.path(), "lacks tensor '" + tensor + "' that " + INDEX + " maps to it");
            }
            readerOf.put(tensor, reader);
        }
    }

    private static Map<String, String> weightMap(Path index) throws IOException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readAllBytes(RegularFile.require(index)));
        } catch (IOException e) {
            throw new CheckpointException(index, "is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new CheckpointException(index, "has no weight_map object");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
            JsonNode shard = entry.getValue();
            // a bare file name: the index must not reach outside the checkpoint directory
            if (!shard.isTextual() || shard.textValue().isEmpty() || shard.textValue().contains("/")
                    || shard.textValue().contains("\\") || shard.textValue().startsWith(".")) {
                throw new CheckpointException(index, "maps tensor '" + entry.getKey() + "' to " + shard
                        + ", which is not a file name in the checkpoint directory");
            }
            map.put(entry.getKey(), shard.textValue());
        }
        return map;
    }

    /**
     * The files must hold exactly what the config describes. When the config needs more tensors than the files hold
     * and a list of the missing ones would be long, the counts are reported instead: they need no list of the
     * config's tensors, which for a config claiming a billion layers would not fit in memory.
     */
    private static void checkAgainstConfig(Path source, Path configFile, ModelConfig config, List<TensorInfo> tensors,
            Map<String, SafetensorsReader> readerOf) throws CheckpointException {
        long expectedCount = LlamaLayout.expectedCount(config);
        if (expectedCount > tensors.size() + PROBLEMS_SHOWN) {
            throw new CheckpointException(configFile, "num_hidden_layers " + config.numHiddenLayers() + " needs "
                    + expectedCount + " tensors, but " + source.getFileName() + " holds " + tensors.size());
        }
        List<String> problems = LlamaLayout.mismatches(config, tensors);
        if (!problems.isEmpty()) {
            String shown = String.join("; ", problems.subList(0, Math.min(PROBLEMS_SHOWN, problems.size())));
            String more = problems.size() > PROBLEMS_SHOWN ? "; and " + (problems.size() - PROBLEMS_SHOWN) + " more" : "";
            throw new CheckpointException(source, "does not hold what " + ModelConfig.FILE_NAME + " requires: " + shown + more);
        }
        List<String> unexpected = LlamaLayout.unexpected(config, tensors);
        if (!unexpected.isEmpty()) {
            String first = unexpected.get(0);
            String more = unexpected.size() > 1 ? " (and " + (unexpected.size() - 1) + " more)" : "";
            throw new CheckpointException(readerOf.get(first).path(), "holds tensor '" + first + "'" + more + " that "
                    + ModelConfig.FILE_NAME + " does not account for: is its"
                    + " num_hidden_layers (" + config.numHiddenLayers() + ") or plrd.ranks wrong?");
        }
    }

    /** The file that holds a tensor. */
    public Path fileOf(String name) throws CheckpointException {
        return readerFor(name).path();
    }

    public Path directory() {
        return directory;
    }

    public ModelConfig config() {
        return config;
    }

    /** Every tensor, file by file and within a file in byte order, which is the sequential reading order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public Optional<TensorInfo> tensor(String name) {
        SafetensorsReader reader = readerOf.get(name);
        return reader == null ? Optional.empty() : reader.tensor(name);
    }

    public Tensor read(String name) throws IOException {
        return readerFor(name).read(name);
    }

    private SafetensorsReader readerFor(String name) throws CheckpointException {
        SafetensorsReader reader = readerOf.get(name);
        if (reader == null) {
            throw new CheckpointException(directory, "holds no tensor '" + name + "'");
        }
        return reader;
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (SafetensorsReader reader : readers.values()) {
            try {
                reader.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeAll(Collection<SafetensorsReader> readers, Exception cause) {
        for (SafetensorsReader reader : readers) {
            try {
                reader.close();
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
