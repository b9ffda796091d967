package dev.plrd.model;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Element types a checkpoint may store. Tensors are float32 in memory, so every type converts exactly to float
 * and, where narrower, back with round-to-nearest-even, the rounding PyTorch uses.
 */
public enum DType {
    F32(4),
    F16(2),
    BF16(2);

    private final int byteWidth;

    DType(int byteWidth) {
        this.byteWidth = byteWidth;
    }

    public int byteWidth() {
        return byteWidth;
    }

    /** The {@code dtype} string of a safetensors header. */
    public String safetensorsName() {
        return name();
    }

    public static DType fromSafetensorsName(String name) {
        return Arrays.stream(values()).filter(d -> d.safetensorsName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unsupported dtype '" + name + "' (supported: "
                        + Arrays.stream(values()).map(DType::safetensorsName).collect(Collectors.joining(", ")) + ")"));
    }

    /** bfloat16 is the upper half of a float32, so widening is a shift. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            // a NaN whose payload lies only in the dropped bits would truncate to infinity: set the quiet bit
            return (short) ((bits >>> 16) | 0x0040);
        }
        // adding 0x7fff plus the kept lowest bit carries exactly when the dropped half is above, or at and odd
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float f16ToFloat(short bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f; // subnormal or zero: exact, a 10-bit integer times a power of two
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13));
    }

    public static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7fffffff;
        if (magnitude > 0x7f800000) {
            return (short) (sign | 0x7e00 | ((magnitude >>> 13) & 0x3ff)); // NaN stays NaN: quiet bit set, top payload kept
        }
        if (magnitude >= 0x477ff000) {
            return (short) (sign | 0x7c00); // infinity, or 65520 and above, which round past the largest half (65504)
        }
        if (magnitude >= 0x38800000) {
            // normal half: rebias the exponent (the subtraction) and round the 13 dropped mantissa bits to nearest even;
            // a carry out of the mantissa correctly bumps the exponent
            return (short) (sign | ((magnitude - 0x38000000 + 0xfff + ((magnitude >>> 13) & 1)) >>> 13));
        }
        // below 2^-14: a count of 2^-24 steps; the scaling is exact in double and Math.rint rounds ties to even
        return (short) (sign | (int) Math.rint(Float.intBitsToFloat(magnitude) * 0x1p24));
    }

    /** Reads count little-endian elements at src's position into dst from offset, advancing src past them. */
    public void decode(ByteBuffer src, float[] dst, int offset, int count) {
        if ((long) count * byteWidth > src.remaining()) {
            throw new BufferUnderflowException();
        }
        ByteBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32 -> in.asFloatBuffer().get(dst, offset, count);
            case F16 -> {
                ShortBuffer halves = in.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = f16ToFloat(halves.get(i));
                }
            }
            case BF16 -> {
                ShortBuffer halves = in.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = bf16ToFloat(halves.get(i));
                }
            }
        }
        src.position(src.position() + count * byteWidth);
    }

    /** Writes count elements of src from offset, little-endian, at dst's position, advancing dst past them. */
    public void encode(float[] src, int offset, int count, ByteBuffer dst) {
        ByteBuffer out = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32 -> out.asFloatBuffer().put(src, offset, count);
            case F16 -> {
                ShortBuffer halves = out.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    halves.put(i, floatToF16(src[offset + i]));
                }
            }
            case BF16 -> {
                ShortBuffer halves = out.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    halves.put(i, floatToBf16(src[offset + i]));
                }
            }
        }
        dst.position(dst.position() + count * byteWidth);
    }
}
