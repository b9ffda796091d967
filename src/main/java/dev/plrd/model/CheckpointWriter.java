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
 *
 * <p>The temporary directory may hold a whole model, so it never outlives the process: a shutdown hook deletes it
 * when the JVM stops (SIGTERM) before the commit, and a writer for the same target deletes the ones a killed
 * process (SIGKILL) left. The hook and the writing methods take the same lock, so the hook never deletes files
 * under a commit that is renaming them, and nothing is written once the hook has run.
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
    /** Set by the shutdown hook: the temporary directory is gone and nothing more may be written. */
    private boolean abandoned;
    private final Thread cleanup = new Thread(this::abandon, "plrd-checkpoint-cleanup");

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
        for (Path stale : AtomicFiles.deleteStaleSiblings(target)) {
            System.err.println("deleted " + stale + ", left by an earlier writer of " + target + " that was killed");
        }
        // the hook is in place before the temporary directory exists, so a SIGTERM at any moment finds it
        CheckpointWriter writer = new CheckpointWriter(target, AtomicFiles.tempName(target), config,
                split(layout, maxShardBytes));
        try {
            Runtime.getRuntime().addShutdownHook(writer.cleanup);
        } catch (IllegalStateException shuttingDown) {
            throw new IllegalStateException(target + " is not written: the process is shutting down", shuttingDown);
        }
        synchronized (writer) {
            if (writer.abandoned) {
                throw new IllegalStateException(target + " is not written: the process is shutting down");
            }
            Files.createDirectory(writer.temp);
        }
        return writer;
    }

    /** The shutdown hook: runs while the writing thread may still be going, hence the lock. */
    private synchronized void abandon() {
        if (committed) {
            return;
        }
        abandoned = true;
        try {
            closeShard();
            AtomicFiles.deleteRecursively(temp);
        } catch (IOException e) {
            System.err.println("could not delete " + temp + " on shutdown: " + e.getMessage());
        }
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
    public synchronized void copyAuxiliaryFiles(Path sourceDirectory) throws IOException {
        requireOpen();
        for (String name : AUXILIARY_FILES) {
            Path file = sourceDirectory.resolve(name);
            if (Files.isRegularFile(file)) {
                Files.copy(file, temp.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Writes the next tensor of the layout. */
    public synchronized void write(Tensor tensor) throws IOException {
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

    /**
     * Writes the index, config.json and, for a factored model, the transformers model code ({@link RemoteCode}), then
     * puts the directory in place of the target, replacing an existing one.
     */
    public synchronized void commit() throws IOException {
        requireOpen();
        if (shard < shards.size()) {
            throw new IllegalStateException(target + ": the layout is not fully written; next is '"
                    + shards.get(shard).get(writtenInShard).name() + "'");
        }
        if (shards.size() > 1) {
            writeIndex();
        }
        RemoteCode.config(config).write(temp.resolve(ModelConfig.FILE_NAME));
        RemoteCode.write(temp, config);
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
        if (abandoned) {
            throw new IllegalStateException(target + " is not written: the process is shutting down");
        }
        if (committed || !Files.isDirectory(temp)) {
            throw new IllegalStateException(target + " is already " + (committed ? "committed" : "closed"));
        }
    }

    private void closeShard() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    /** Without a commit, deletes the temporary directory and everything in it. */
    @Override
    public synchronized void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook has run or is waiting for this lock; either way it finds the directory handled
        }
        closeShard();
        if (!committed) {
            AtomicFiles.deleteRecursively(temp);
        }
    }
}
