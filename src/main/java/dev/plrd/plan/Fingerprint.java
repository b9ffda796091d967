package dev.plrd.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** A short content hash of named inputs; equal inputs give equal fingerprints, in any order. */
public final class Fingerprint {
    private final Map<String, String> inputs = new TreeMap<>();

    Fingerprint with(String name, Object value) {
        if (value != null) {
            inputs.put(name, String.valueOf(value));
        }
        return this;
    }

    String hash() {
        StringBuilder text = new StringBuilder();
        inputs.forEach((k, v) -> text.append(k).append('\0').append(v).append('\0'));
        return hex(text.toString(), 16);
    }

    /** The first {@code length} hex digits of the SHA-256 of the text. */
    public static String hex(String text, int length) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, length);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
