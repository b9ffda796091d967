package dev.plrd.transport.modelpack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.TransportException;
import dev.plrd.transport.oci.Descriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The files of a checkpoint directory as ModelPack layers: one raw layer per file, so that a pull
 * restores each file byte for byte and a shard shared with another member is stored once.
 */
public final class CheckpointFiles {
    /** A file of the checkpoint and the layer that carries it. */
    public record Layer(Path file, Descriptor descriptor) {
        public String filepath() {
            return descriptor.annotations().get(ModelPack.FILEPATH);
        }
    }

    /** Tar's type flag of a regular file ('0'), as the spec's file metadata records it. */
    private static final int REGULAR_FILE = '0';
    /** rw-r--r--: the mode a pulled file gets, whatever it had on the publishing disk. */
    private static final int MODE = 0644;
    /**
     * File times are not the content: the spec's reproducibility guidance asks for constant values, so
     * that the same bytes give the same layer annotations and therefore the same manifest digest.
     */
    private static final String MTIME = "1970-01-01T00:00:00Z";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointFiles() {
    }

    /**
     * Every regular file under checkpoint, hashed, in a fixed order (weights, weight configuration,
     * code, documentation; by path within each). Hidden names (the temporaries of an interrupted
     * write) are left out; links and other non-regular files are refused, naming them.
     */
    public static List<Layer> scan(Path checkpoint) throws IOException {
        if (!Files.isDirectory(checkpoint)) {
            throw new TransportException(checkpoint + ": no such checkpoint directory", true);
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(checkpoint)) {
            files = walk.filter(p -> !p.equals(checkpoint))
                    .filter(p -> !hidden(checkpoint.relativize(p)))
                    .filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .toList();
        }
        List<Layer> layers = new ArrayList<>();
        for (Path file : files) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new TransportException(file + ": is a link or not a regular file; a checkpoint published"
                        + " as ModelPack layers holds regular files only", true);
            }
            String filepath = checkpoint.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            layers.add(layer(file, filepath));
        }
        if (layers.stream().noneMatch(l -> l.descriptor().mediaType().equals(ModelPack.WEIGHT_RAW))) {
            throw new TransportException(checkpoint + ": holds no .safetensors file; nothing to publish", true);
        }
        layers.sort(Comparator.comparingInt((Layer l) -> kindOrder(l.descriptor().mediaType()))
                .thenComparing(Layer::filepath));
        return layers;
    }

    private static Layer layer(Path file, String filepath) throws IOException {
        long size = Files.size(file);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(ModelPack.FILEPATH, filepath);
        annotations.put(ModelPack.FILE_METADATA, metadata(filepath, size));
        String mediaType = mediaType(filepath);
        if (mediaType == null) {
            mediaType = ModelPack.WEIGHT_CONFIG_RAW;
            annotations.put(ModelPack.MEDIA_TYPE_UNTESTED, "true");
        }
        return new Layer(file, new Descriptor(mediaType, Sha256.of(file), size, annotations));
    }

    /** The layer media type of a checkpoint file, or null for a file this project does not know. */
    static String mediaType(String filepath) {
        String name = filepath.substring(filepath.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return ModelPack.WEIGHT_RAW;
        }
        if (name.endsWith(".py")) {
            return ModelPack.CODE_RAW;
        }
        if (name.endsWith(".md") || name.startsWith("license") || name.startsWith("notice")) {
            return ModelPack.DOC_RAW;
        }
        boolean weightConfig = name.equals("config.json") || name.equals("generation_config.json")
                || name.endsWith(".safetensors.index.json") || name.startsWith("tokenizer")
                || name.endsWith(".model") || name.equals("special_tokens_map.json") || name.equals("added_tokens.json")
                || name.equals("vocab.json") || name.equals("merges.txt") || name.equals("chat_template.jinja");
        return weightConfig ? ModelPack.WEIGHT_CONFIG_RAW : null;
    }

    /** The spec's FileMetadata value; the name is the file's base name, as tar headers give it. */
    private static String metadata(String filepath, long size) {
        ObjectNode node = JSON.createObjectNode()
                .put("name", filepath.substring(filepath.lastIndexOf('/') + 1))
                .put("mode", MODE).put("uid", 0).put("gid", 0).put("size", size)
                .put("mtime", MTIME).put("typeflag", REGULAR_FILE);
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an object of strings and numbers always serialises", e);
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static int kindOrder(String mediaType) {
        return List.of(ModelPack.WEIGHT_RAW, ModelPack.WEIGHT_CONFIG_RAW, ModelPack.CODE_RAW, ModelPack.DOC_RAW)
                .indexOf(mediaType);
    }
}
