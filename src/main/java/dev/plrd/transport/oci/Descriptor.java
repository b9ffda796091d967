package dev.plrd.transport.oci;

import java.util.Map;
import java.util.Objects;

/**
 * An OCI content descriptor: what a manifest says about one blob (a layer or the config).
 *
 * @param mediaType   the blob's media type
 * @param digest      {@code sha256:<64 hex digits>}
 * @param size        bytes
 * @param annotations the descriptor's annotations (e.g. {@code org.cncf.model.filepath}); empty, never null
 */
public record Descriptor(String mediaType, String digest, long size, Map<String, String> annotations) {
    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        if (digest == null || !digest.matches("sha256:[a-f0-9]{64}")) {
            throw new IllegalArgumentException("not a sha256 digest: " + digest);
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + digest);
        }
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
