package dev.plrd.data;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-to-character mapping, which byte-level tokenizers use to write bytes as printable characters:
 * printable Latin-1 bytes stand for themselves, and the rest (controls, space, a few others) take the characters
 * from U+0100 on, in byte order. A space is thus 'Ġ' and a line break 'Ċ'.
 */
final class ByteLevelAlphabet {
    private static final char[] CHARS = new char[256];

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            CHARS[b] = (char) (printable ? b : next++);
        }
    }

    private ByteLevelAlphabet() {
    }

    static char charOf(int b) {
        return CHARS[b];
    }

    /** Text as the byte-level characters of its UTF-8 bytes. */
    static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.append(CHARS[b & 0xFF]);
        }
        return out.toString();
    }
}
