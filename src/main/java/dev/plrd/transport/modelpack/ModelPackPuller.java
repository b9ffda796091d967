package dev.plrd.transport.modelpack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.model.AtomicFiles;
import dev.plrd.transport.TransportException;
import dev.plrd.transport.oci.ArtifactStore;
import dev.plrd.transport.oci.Descriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Restores a member checkpoint from its ModelPack artifact: every layer to its
 * {@code org.cncf.model.filepath}, each verified against its digest, all in a temporary sibling that
 * becomes the target directory only when complete. A filepath that would land outside the target
 * (absolute, {@code ..}, empty segments) is refused before anything is written.
 */
public final class ModelPackPuller {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RAW_TYPES = Set.of(ModelPack.WEIGHT_RAW, ModelPack.WEIGHT_CONFIG_RAW,
            ModelPack.CODE_RAW, ModelPack.DOC_RAW);

    /**
     * @param digest the manifest digest that was pulled
     * @param files  files restored
     * @param bytes  their total size
     */
    public record Pulled(String digest, int files, long bytes) {
    }

    private ModelPackPuller() {
    }

    /** Pulls reference (a tag or a digest) from store into to, which must not exist or be an empty directory. */
    public static Pulled pull(ArtifactStore store, String reference, String displayName, Path to) throws IOException {
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS) && !emptyDirectory(to)) {
            throw new TransportException(to + ": exists and is not an empty directory; pull restores a checkpoint"
                    + " into a new directory", true);
        }
        ArtifactStore.StoredManifest stored = store.getManifest(reference)
                .orElseThrow(() -> new TransportException(displayName + ": no such artifact", true));
        JsonNode manifest = JSON.readTree(stored.bytes());
        String artifactType = manifest.path("artifactType").asText(null);
        if (!ModelPack.ARTIFACT_TYPE.equals(artifactType)) {
            throw new TransportException(displayName + ": artifactType " + artifactType + " is not a ModelPack model ("
                    + ModelPack.ARTIFACT_TYPE + ")", true);
        }
        Descriptor config = descriptor(manifest.path("config"), displayName);
        List<Descriptor> layers = new ArrayList<>();
        Map<String, Descriptor> byPath = new HashMap<>();
        for (JsonNode node : manifest.path("layers")) {
            Descriptor layer = descriptor(node, displayName);
            if (!RAW_TYPES.contains(layer.mediaType())) {
                throw new TransportException(displayName + ": layer " + layer.digest() + " has media type "
                        + layer.mediaType() + "; this version restores raw (.v1.raw) ModelPack layers only", true);
            }
            String filepath = layer.annotations().get(ModelPack.FILEPATH);
            checkFilepath(displayName, layer, filepath);
            if (byPath.put(filepath, layer) != null) {
                throw new TransportException(displayName + ": two layers have " + ModelPack.FILEPATH + " " + filepath, true);
            }
            layers.add(layer);
        }

        Path target = to.toAbsolutePath().normalize();
        Files.createDirectories(target.getParent());
        AtomicFiles.deleteStaleSiblings(target);
        Path temp = AtomicFiles.createTempDirectory(target);
        try {
            Path configCopy = temp.resolve(".modelpack-config.json");
            store.getBlob(config, configCopy);
            Files.delete(configCopy);
            long bytes = 0;
            for (Descriptor layer : layers) {
                Path file = temp.resolve(layer.annotations().get(ModelPack.FILEPATH));
                Files.createDirectories(file.getParent());
                store.getBlob(layer, file);
                bytes += layer.size();
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(target);
            }
            AtomicFiles.moveAtomically(temp, target);
            return new Pulled(stored.digest(), layers.size(), bytes);
        } finally {
            AtomicFiles.deleteRecursively(temp);
        }
    }

    /** A relative path of plain names: no root, no {@code .} or {@code ..} or empty segment. */
    static void checkFilepath(String displayName, Descriptor layer, String filepath) throws TransportException {
        if (filepath == null || filepath.isEmpty()) {
            throw new TransportException(displayName + ": layer " + layer.digest() + " has no " + ModelPack.FILEPATH
                    + " annotation", true);
        }
        boolean safe = !filepath.startsWith("/") && !filepath.contains("\\") && !filepath.contains("\0");
        for (String segment : filepath.split("/", -1)) {
            safe &= !segment.isEmpty() && !segment.equals(".") && !segment.equals("..");
        }
        if (!safe) {
            throw new TransportException(displayName + ": layer " + layer.digest() + " has " + ModelPack.FILEPATH + " \""
                    + filepath + "\", which is not a plain relative path inside the checkpoint; refusing to write it", true);
        }
    }

    private static Descriptor descriptor(JsonNode node, String displayName) throws TransportException {
        Map<String, String> annotations = new HashMap<>();
        node.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        try {
            return new Descriptor(node.path("mediaType").asText(""), node.path("digest").asText(null),
                    node.path("size").asLong(-1), annotations);
        } catch (IllegalArgumentException e) {
            throw new TransportException(displayName + ": the manifest has a malformed descriptor: " + e.getMessage(), true);
        }
    }

    private static boolean emptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
