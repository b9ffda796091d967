package dev.plrd.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a checkpoint directory that {@link Checkpoint#open} reads back. Everything goes into a hidden temporary
 * sibling directory; {@link #commit()} renames it onto the target, so a crash or a failed stage never leaves a
 * partial checkpoint under the real name, and a retried stage simply starts over.
 *
 * <p>Tensors stream in a layout declared up front, one at a time, into {@value Checkpoint#SINGLE_FILE}, or, when
 * the layout exceeds the maximum shard size, into {@code model-00001-of-0000N.safetensors} shards plus
 * {@value Checkpoint#INDEX}, the way transformers' save_pretrained splits them.
 */
public final class CheckpointWriter implements Closeable {
    /** transformers' default max_shard_size, "5GB". */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;
    /** Files besides the weights that make a checkpoint usable, copied from the parent when present. */
    public static final List<String> AUXILIARY_FILES = List.of("tokenizer.json", "tokenizer.model",
            "tokenizer_config.json", "special_tokens_map.json", "generation_config.json");
    /** transformers refuses to load a safetensors file whose metadata lacks this format. */
    private static final Map<String, String> METADATA = Map.of("format", "pt");

    private final Path target;
    private final Path temp;
    private final ModelConfig config;
    private final List<List<TensorInfo>> shards;
    /** The shard being written, and how many of its tensors are written. */
    private int shard;
    private int writtenInShard;
    private SafetensorsWriter current;
    private boolean committed;

    private CheckpointWriter(Path target, Path temp, ModelConfig config, List<List<TensorInfo>> shards) {
        this.target = target;
        this.temp = temp;
        this.config = config;
        this.shards = shards;
    }

    public static CheckpointWriter create(Path target, ModelConfig config, List<TensorInfo> layout) throws IOException {
        return create(target, config, layout, DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * @param layout every tensor in write order; it must hold what the config requires (see {@link LlamaLayout})
     * @param maxShardBytes tensor bytes per shard; a larger single tensor gets a shard of its own
     */
    public static CheckpointWriter create(Path target, ModelConfig config, List<TensorInfo> layout, long maxShardBytes)
            throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maximum shard size must be positive, got " + maxShardBytes);
        }
        List<String> problems = LlamaLayout.mismatches(config, layout);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the layout for " + target + " does not hold what its config requires: "
                    + String.join("; ", problems));
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        return new CheckpointWriter(target, AtomicFiles.createTempDirectory(target), config, split(layout, maxShardBytes));
    }

    private static List<List<TensorInfo>> split(List<TensorInfo> layout, long maxShardBytes) {
        List<List<TensorInfo>> shards = new ArrayList<>();
        List<TensorInfo> shard = new ArrayList<>();
        long bytes = 0;
        for (TensorInfo tensor : layout) {
            if (!shard.isEmpty() && bytes + tensor.byteSize() > maxShardBytes) {
                shards.add(List.copyOf(shard));
                shard.clear();
                bytes = 0;
            }
            shard.add(tensor);
            bytes += tensor.byteSize();
        }
        shards.add(List.copyOf(shard));
        return List.copyOf(shards);
    }

    /** Copies those of {@link #AUXILIARY_FILES} that sourceDirectory holds. */
    public void copyAuxiliaryFiles(Path sourceDirectory) throws IOException {
        requireOpen();
        for (String name : AUXILIARY_FILES) {
            Path file = sourceDirectory.resolve(name);
            if (Files.isRegularFile(file)) {
                Files.copy(file, temp.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Writes the next tensor of the layout. */
    public void write(Tensor tensor) throws IOException {
        requireOpen();
        if (shard == shards.size()) {
            throw new IllegalStateException(target + ": every tensor of the layout is written; '" + tensor.name() + "' is extra");
        }
        if (current == null) {
            current = SafetensorsWriter.create(temp.resolve(shardName(shard)), shards.get(shard), METADATA);
        }
        current.write(tensor);
        if (++writtenInShard == shards.get(shard).size()) {
            current.commit();
            current.close();
            current = null;
            shard++;
            writtenInShard = 0;
        }
    }

    /** Writes the index and config.json, then puts the directory in place of the target, replacing an existing one. */
    public void commit() throws IOException {
        requireOpen();
        if (shard < shards.size()) {
            throw new IllegalStateException(target + ": the layout is not fully written; next is '"
                    + shards.get(shard).get(writtenInShard).name() + "'");
        }
        if (shards.size() > 1) {
            writeIndex();
        }
        config.write(temp.resolve(ModelConfig.FILE_NAME));
        AtomicFiles.syncDirectory(temp);
        AtomicFiles.replaceDirectory(temp, target);
        committed = true;
    }

    private String shardName(int index) {
        return shards.size() == 1 ? Checkpoint.SINGLE_FILE
                : String.format("model-%05d-of-%05d.safetensors", index + 1, shards.size());
    }

    private void writeIndex() throws IOException {
        ObjectNode index = Json.MAPPER.createObjectNode();
        index.putObject("metadata").put("total_size",
                shards.stream().flatMap(List::stream).mapToLong(TensorInfo::byteSize).sum());
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String file = shardName(i);
            shards.get(i).forEach(t -> weightMap.put(t.name(), file));
        }
        byte[] json;
        try {
            json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(index);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
        AtomicFiles.writeAtomically(temp.resolve(Checkpoint.INDEX), json);
    }

    private void requireOpen() {
        if (committed || !Files.isDirectory(temp)) {
            throw new IllegalStateException(target + " is already " + (committed ? "committed" : "closed"));
        }
    }

    /** Without a commit, deletes the temporary directory and everything in it. */
    @Override
    public void close() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
        if (!committed) {
            AtomicFiles.deleteRecursively(temp);
        }
    }
}
