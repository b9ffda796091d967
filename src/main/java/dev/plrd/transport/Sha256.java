package dev.plrd.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Content digests in the OCI form {@code sha256:<hex>}, computed while bytes stream past, so that a
 * multi-gigabyte shard is hashed without being held in memory.
 */
public final class Sha256 {
    private static final int BUFFER = 1 << 20;

    private Sha256() {
    }

    /** The digest of a file, read once in 1 MiB pieces. */
    public static String of(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return copy(in, OutputStream.nullOutputStream()).digest();
        }
    }

    public static String of(byte[] bytes) {
        return format(newDigest().digest(bytes));
    }

    /** What {@link #copy} saw: the bytes copied and their digest. */
    public record Copied(long size, String digest) {
    }

    /** Copies in to out and hashes the bytes on the way. */
    public static Copied copy(InputStream in, OutputStream out) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[BUFFER];
        long size = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
            out.write(buffer, 0, n);
            size += n;
        }
        return new Copied(size, format(digest.digest()));
    }

    /** The hex part of a {@code sha256:} digest, which names its blob file. */
    public static String hex(String digest) {
        if (digest == null || !digest.matches("sha256:[a-f0-9]{64}")) {
            throw new IllegalArgumentException("not a sha256 digest: " + digest);
        }
        return digest.substring("sha256:".length());
    }

    /** A finished hash in the OCI form. */
    public static String format(byte[] hash) {
        return "sha256:" + HexFormat.of().formatHex(hash);
    }

    /** A fresh SHA-256, for bytes hashed as they are sent or received. */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
