package dev.plrd.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.plrd.api.ModelFamily;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.model.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The status of a local run, in the shape {@code kubectl get mf NAME -o yaml} shows it: the family's name, its
 * generation, the digest of the spec that generation stands for, and the operator's status. It is the run's only
 * memory: written atomically after every transition, read when the run starts again, so an interrupted run
 * continues where it stopped. A cluster bumps the generation when the spec changes; here a spec whose digest
 * differs from the recorded one is a new generation, and the driver re-plans by the same fingerprint rule.
 *
 * @param generation the generation the status belongs to
 * @param specDigest sha256 of the spec the generation stands for
 * @param status     the operator's status, or null before the first transition
 */
public record StatusFile(long generation, String specDigest, ModelFamilyStatus status) {
    static final String SPEC_DIGEST_ANNOTATION = ModelFamily.GROUP + "/spec-sha256";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** {@code NAME.status.yaml} beside the manifest. */
    public static Path beside(Path manifest, String name) {
        Path dir = manifest.toAbsolutePath().getParent();
        return dir.resolve(name + ".status.yaml");
    }

    /** The recorded status, or none (generation 0) when the family has not run here yet. */
    public static StatusFile read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new StatusFile(0, null, null);
        }
        JsonNode doc;
        try {
            doc = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not a status file written by plrd run (" + e.getMessage().lines()
                    .findFirst().orElse("") + "); delete it to start the family afresh", e);
        }
        JsonNode generation = doc.path("metadata").path("generation");
        if (!generation.canConvertToLong()) {
            throw new IOException(file + ": metadata.generation is missing or not a number; delete the file to start"
                    + " the family afresh");
        }
        String digest = doc.path("metadata").path("annotations").path(SPEC_DIGEST_ANNOTATION).asText(null);
        ModelFamilyStatus status = doc.hasNonNull("status")
                ? YAML.treeToValue(doc.get("status"), ModelFamilyStatus.class) : null;
        return new StatusFile(generation.asLong(), digest, status);
    }

    /** The generation for a spec: the recorded one while the spec is unchanged, the next one once it changed. */
    public long generationFor(String digest) {
        return digest.equals(specDigest) ? generation : generation + 1;
    }

    public void write(Path file, String name) throws IOException {
        ObjectNode doc = YAML.createObjectNode();
        doc.put("apiVersion", ModelFamily.GROUP + "/" + ModelFamily.VERSION);
        doc.put("kind", "ModelFamily");
        ObjectNode metadata = doc.putObject("metadata");
        metadata.put("name", name);
        metadata.put("generation", generation);
        metadata.putObject("annotations").put(SPEC_DIGEST_ANNOTATION, specDigest);
        if (status != null) {
            doc.set("status", YAML.valueToTree(status));
        }
        AtomicFiles.writeAtomically(file, YAML.writeValueAsBytes(doc));
    }

    /** The digest of a spec as data: layout, comments and key order of the YAML do not change it. */
    public static String digest(JsonNode spec) {
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(spec, Object.class));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (IOException e) {
            throw new IllegalStateException("a parsed spec always serialises", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
