package dev.plrd.transport.modelpack;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.transport.oci.ArtifactStore;
import dev.plrd.transport.oci.Descriptor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Publishes a member checkpoint as a ModelPack artifact, idempotently. Blobs the store already holds
 * are not sent again, and the creation time is the time the same content was first published under
 * the tag: when the tag already points at a manifest that, given that manifest's creation time,
 * equals the one built now, nothing is written at all and the digest is the same. Any change of
 * files, lineage or evaluation gives a new manifest created now.
 */
public final class ModelPackPublisher {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param digest        the manifest digest the tag now points at
     * @param blobsUploaded blobs sent (layers and config); 0 when the store had them all
     * @param bytesUploaded their size
     * @param blobs         blobs the artifact references
     * @param bytes         their total size
     * @param unchanged     true when the tag already pointed at this very manifest
     * @param summary       what the artifact says about the model
     */
    public record Published(String digest, int blobsUploaded, long bytesUploaded, int blobs, long bytes,
            boolean unchanged, CheckpointSummary summary) {
    }

    private final Clock clock;
    private final PrintStream log;

    public ModelPackPublisher(Clock clock, PrintStream log) {
        this.clock = clock;
        this.log = log;
    }

    public Published publish(ArtifactStore store, String tag, Path checkpoint, Map<String, String> annotations)
            throws IOException {
        List<CheckpointFiles.Layer> layers = CheckpointFiles.scan(checkpoint);
        CheckpointSummary summary = CheckpointSummary.read(checkpoint);
        Optional<ArtifactStore.StoredManifest> existing = store.getManifest(tag);
        ModelPackArtifact artifact = null;
        if (existing.isPresent()) {
            Optional<Instant> created = createdOf(existing.get().bytes());
            if (created.isPresent()) {
                ModelPackArtifact same = ModelPackArtifact.build(tag, summary, layers, annotations, created.get());
                artifact = same.digest().equals(existing.get().digest()) ? same : null;
            }
        }
        boolean unchanged = artifact != null;
        if (artifact == null) {
            artifact = ModelPackArtifact.build(tag, summary, layers, annotations, clock.instant());
        }

        int uploaded = 0;
        long uploadedBytes = 0;
        long total = artifact.configDescriptor().size();
        for (CheckpointFiles.Layer layer : layers) {
            total += layer.descriptor().size();
            if (!store.hasBlob(layer.descriptor())) {
                log.printf(Locale.ROOT, "publish: %s (%,d bytes)%n", layer.filepath(), layer.descriptor().size());
                store.putBlob(layer.descriptor(), layer.file());
                uploaded++;
                uploadedBytes += layer.descriptor().size();
            }
        }
        if (!store.hasBlob(artifact.configDescriptor())) {
            putSmallBlob(store, artifact.configDescriptor(), artifact.config());
            uploaded++;
            uploadedBytes += artifact.config().length;
        }
        String digest = unchanged ? artifact.digest()
                : store.putManifest(tag, ModelPack.MANIFEST_MEDIA_TYPE, artifact.manifest());
        if (!digest.equals(artifact.digest())) {
            throw new IOException("the store recorded the manifest of " + tag + " as " + digest + ", but its bytes hash to "
                    + artifact.digest());
        }
        return new Published(digest, uploaded, uploadedBytes, layers.size() + 1, total, unchanged, summary);
    }

    /** The creation annotation of a stored manifest, if it is one of ours and has a readable one. */
    private static Optional<Instant> createdOf(byte[] manifest) {
        try {
            String created = JSON.readTree(manifest).path("annotations").path(ModelPackAnnotations.CREATED).asText(null);
            return created == null ? Optional.empty() : Optional.of(Instant.parse(created));
        } catch (IOException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static void putSmallBlob(ArtifactStore store, Descriptor descriptor, byte[] bytes) throws IOException {
        Path temp = Files.createTempFile("plrd-modelpack-config", ".json");
        try {
            Files.write(temp, bytes);
            store.putBlob(descriptor, temp);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
