package dev.plrd.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An encoder of safetensors files that shares no code with the project's writer: the header is a JSON string the
 * test writes by hand, the bytes are assembled here. Files the reader must accept, and files it must reject.
 */
final class HandWrittenSafetensors {
    private HandWrittenSafetensors() {
    }

    /** A well-formed file: the header padded with spaces to a multiple of 8 bytes, then the data section. */
    static Path write(Path file, String header, byte[] data) throws IOException {
        Files.write(file, concat(prefix(header), data));
        return file;
    }

    /** The bytes before the data section: the length, then the header padded with spaces to a multiple of 8. */
    static byte[] prefix(String header) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer bytes = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(padded).put(json);
        while (bytes.hasRemaining()) {
            bytes.put((byte) ' ');
        }
        return bytes.array();
    }

    /** Any bytes at all: the declared header length need not match the header given. */
    static Path writeRaw(Path file, long declaredHeaderLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(declaredHeaderLength).put(header).put(data);
        Files.write(file, bytes.array());
        return file;
    }

    static byte[] f32(float... values) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            bytes.putInt(Float.floatToRawIntBits(value));
        }
        return bytes.array();
    }

    /** 16-bit patterns (F16 or BF16), little-endian. */
    static byte[] halves(int... bits) {
        ByteBuffer bytes = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int pattern : bits) {
            bytes.putShort((short) pattern);
        }
        return bytes.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }

    /** One header entry, as text. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }
}
