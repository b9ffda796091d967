package dev.plrd.transport.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The digest a downloaded file must have. The Hub gives one for every file of a repository: the
 * sha256 of an LFS file's content ({@code lfs.oid}), and for a file kept in git itself its git blob
 * id, the SHA-1 of {@code "blob <size>\0"} followed by the content. Either way the whole file is
 * hashed once complete, so a resumed prefix is checked like the rest.
 */
public record ContentDigest(Algorithm algorithm, String hex) {
    public enum Algorithm {
        SHA256("SHA-256", 64), GIT_BLOB_SHA1("SHA-1", 40);

        private final String jca;
        private final int hexLength;

        Algorithm(String jca, int hexLength) {
            this.jca = jca;
            this.hexLength = hexLength;
        }
    }

    public ContentDigest {
        if (hex == null || !hex.matches("[0-9a-f]{" + algorithm.hexLength + "}")) {
            throw new IllegalArgumentException("not a " + algorithm + " hex digest: " + hex);
        }
    }

    public static ContentDigest sha256(String hex) {
        return new ContentDigest(Algorithm.SHA256, hex);
    }

    public static ContentDigest gitBlob(String hex) {
        return new ContentDigest(Algorithm.GIT_BLOB_SHA1, hex);
    }

    /** The digest of file computed the way this one was, in lower-case hex. */
    public String of(Path file) throws IOException {
        MessageDigest digest = begin(Files.size(file));
        try (InputStream in = Files.newInputStream(file)) {
            update(digest, in, Long.MAX_VALUE);
        }
        return hex(digest);
    }

    /** A digest to feed the content of a file of size bytes into, for {@link #hex(MessageDigest)}. */
    public MessageDigest begin(long size) {
        MessageDigest digest = newDigest(algorithm.jca);
        if (algorithm == Algorithm.GIT_BLOB_SHA1) {
            digest.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        return digest;
    }

    /** Feeds the first limit bytes of in (all, if fewer) into digest. */
    static void update(MessageDigest digest, InputStream in, long limit) throws IOException {
        byte[] buffer = new byte[1 << 20];
        for (long left = limit; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                return;
            }
            digest.update(buffer, 0, n);
            left -= n;
        }
    }

    static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The sha256 of a string, in hex: a file-name-safe key for a URL or a glob. */
    public static String sha256Of(String text) {
        return HexFormat.of().formatHex(newDigest("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest newDigest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has " + name, e);
        }
    }

    @Override
    public String toString() {
        return (algorithm == Algorithm.SHA256 ? "sha256:" : "git-blob-sha1:") + hex;
    }
}
