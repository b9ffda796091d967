package dev.plrd.data;

import java.nio.ByteBuffer;
import java.util.Locale;

/** How token ids are stored in a shard: little-endian unsigned integers of two or four bytes. */
enum TokenDType {
    UINT16(2), UINT32(4);

    /** The largest vocabulary whose every id fits in a uint16. */
    static final int UINT16_VOCABULARY = 1 << 16;

    private final int width;

    TokenDType(int width) {
        this.width = width;
    }

    int width() {
        return width;
    }

    /** The exclusive upper bound of the ids this type holds. */
    long limit() {
        return 1L << (8 * width);
    }

    /** The name in dataset.json: {@code uint16} or {@code uint32}. */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The narrowest type for every id of a vocabulary, as nanoGPT and Megatron choose it. */
    static TokenDType forVocabulary(long vocabSize) {
        return vocabSize <= UINT16_VOCABULARY ? UINT16 : UINT32;
    }

    static TokenDType parse(String id) {
        for (TokenDType t : values()) {
            if (t.id().equals(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + id + "': expected uint16 or uint32");
    }

    /** The id at an absolute byte position of a little-endian buffer. */
    long get(ByteBuffer buffer, int byteIndex) {
        return this == UINT16 ? Short.toUnsignedLong(buffer.getShort(byteIndex)) : Integer.toUnsignedLong(buffer.getInt(byteIndex));
    }

    void put(ByteBuffer buffer, long id) {
        if (this == UINT16) {
            buffer.putShort((short) id);
        } else {
            buffer.putInt((int) id);
        }
    }
}
