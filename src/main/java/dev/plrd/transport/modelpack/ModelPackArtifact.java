package dev.plrd.transport.modelpack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.transport.Sha256;
import dev.plrd.transport.oci.Descriptor;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The two JSON documents of a member's ModelPack artifact, the config blob and the manifest, built as
 * exact bytes: fields in a fixed order and annotations sorted, so that the same member gives the same
 * digests on every publish (see docs/spec.md and docs/config.md of the spec commit named in {@link ModelPack}).
 *
 * @param config         the config blob's bytes
 * @param configDescriptor the manifest's config descriptor
 * @param manifest       the manifest's bytes
 * @param digest         the manifest's digest
 */
public record ModelPackArtifact(byte[] config, Descriptor configDescriptor, byte[] manifest, String digest) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param name        the member, which is also the tag
     * @param summary     what config.json says about the model
     * @param layers      the checkpoint's files, in manifest order
     * @param annotations lineage and evaluation; the creation time, title, parameters and ranks are added here
     * @param created     the creation time (whole seconds are kept)
     */
    public static ModelPackArtifact build(String name, CheckpointSummary summary, List<CheckpointFiles.Layer> layers,
            Map<String, String> annotations, Instant created) {
        String createdAt = created.truncatedTo(ChronoUnit.SECONDS).toString();
        byte[] config = bytes(config(name, summary, layers, createdAt));
        Descriptor configDescriptor = new Descriptor(ModelPack.CONFIG_MEDIA_TYPE, Sha256.of(config), config.length, Map.of());

        Map<String, String> all = new TreeMap<>(annotations);
        all.put(ModelPackAnnotations.CREATED, createdAt);
        all.put(ModelPackAnnotations.TITLE, name);
        all.put(ModelPackAnnotations.PARAMETERS, Long.toString(summary.parameters()));
        if (!summary.ranks().isEmpty()) {
            all.put(ModelPackAnnotations.RANKS, summary.ranks());
        }
        ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2)
                .put("mediaType", ModelPack.MANIFEST_MEDIA_TYPE).put("artifactType", ModelPack.ARTIFACT_TYPE);
        manifest.set("config", descriptor(configDescriptor));
        ArrayNode layerArray = manifest.putArray("layers");
        layers.forEach(l -> layerArray.add(descriptor(l.descriptor())));
        ObjectNode annotationNode = manifest.putObject("annotations");
        all.forEach(annotationNode::put);
        byte[] manifestBytes = bytes(manifest);
        return new ModelPackArtifact(config, configDescriptor, manifestBytes, Sha256.of(manifestBytes));
    }

    /** The config blob: descriptor, config, modelfs, with the required fields of schema/config-schema.json. */
    private static ObjectNode config(String name, CheckpointSummary summary, List<CheckpointFiles.Layer> layers,
            String createdAt) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode descriptor = root.putObject("descriptor").put("createdAt", createdAt);
        if (summary.family() != null) {
            descriptor.put("family", summary.family());
        }
        descriptor.put("name", name);
        ObjectNode config = root.putObject("config").put("architecture", "transformer").put("format", "safetensors")
                .put("paramSize", summary.paramSize());
        if (summary.precision() != null) {
            config.put("precision", summary.precision());
        }
        ObjectNode modelfs = root.putObject("modelfs").put("type", "layers");
        ArrayNode diffIds = modelfs.putArray("diffIds");
        // raw layers are their own uncompressed content, so a layer's diffId is its digest
        layers.forEach(l -> diffIds.add(l.descriptor().digest()));
        return root;
    }

    private static ObjectNode descriptor(Descriptor d) {
        ObjectNode node = JSON.createObjectNode().put("mediaType", d.mediaType()).put("digest", d.digest())
                .put("size", d.size());
        if (!d.annotations().isEmpty()) {
            ObjectNode annotations = node.putObject("annotations");
            new TreeMap<>(d.annotations()).forEach(annotations::put);
        }
        return node;
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }
}
