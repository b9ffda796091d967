package dev.plrd.transport.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;

/** Blob files for the registry tests: pseudo-random bytes (nothing a registry could compress or dedupe) and their descriptors. */
final class RegistryTestBlobs {
    static final String LAYER = "application/octet-stream";

    private RegistryTestBlobs() {
    }

    /** Writes {@code size} pseudo-random bytes of the seed, 1 MiB at a time; returns the file's descriptor. */
    static Descriptor write(Path file, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] buffer = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; ) {
                for (int i = 0; i < buffer.length; i += 8) {
                    long v = random.nextLong();
                    for (int b = 0; b < 8; b++) {
                        buffer[i + b] = (byte) (v >>> (8 * b));
                    }
                }
                int n = (int) Math.min(buffer.length, left);
                out.write(buffer, 0, n);
                left -= n;
            }
        }
        return describe(file);
    }

    /** The descriptor of a file, its sha256 computed by streaming it. */
    static Descriptor describe(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return new Descriptor(LAYER, "sha256:" + HexFormat.of().formatHex(digest.digest()), Files.size(file),
                Map.of("org.opencontainers.image.title", file.getFileName().toString()));
    }
}
