package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class DTypeTest {

    @Test
    void widthsAndNames() {
        assertThat(DType.F32.byteWidth()).isEqualTo(4);
        assertThat(DType.F16.byteWidth()).isEqualTo(2);
        assertThat(DType.BF16.byteWidth()).isEqualTo(2);
        assertThat(DType.fromSafetensorsName("BF16")).isEqualTo(DType.BF16);
        assertThat(DType.F16.safetensorsName()).isEqualTo("F16");
        assertThatThrownBy(() -> DType.fromSafetensorsName("I64")).hasMessageContaining("unsupported dtype 'I64'");
        assertThatThrownBy(() -> DType.fromSafetensorsName("bf16")).hasMessageContaining("'bf16'");
    }

    @ParameterizedTest
    @CsvSource({"1.0, 3c00", "-2.5, c100", "65504, 7bff", "-65504, fbff", "0.099975586, 2e66", "0.000061035156, 0400",
        "5.9604645E-8, 0001", "6.097555E-5, 03ff", "0.0, 0000", "-0.0, 8000", "Infinity, 7c00", "-Infinity, fc00"})
    void f16ExactValuesBothWays(float value, String hex) {
        short bits = (short) Integer.parseInt(hex, 16);
        assertThat(hex(DType.floatToF16(value))).isEqualTo(hex);
        assertThat(Float.floatToRawIntBits(DType.f16ToFloat(bits))).isEqualTo(Float.floatToRawIntBits(value));
    }

    @ParameterizedTest
    @CsvSource({"0.1, 2e66", "65519, 7bff", "65520, 7c00", "1e10, 7c00", "-1e10, fc00", "2.9802322E-8, 0000",
        "8.940697E-8, 0002", "1e-10, 0000", "-1e-10, 8000", "0.33333334, 3555"})
    void f16RoundedValues(float value, String hex) {
        assertThat(hex(DType.floatToF16(value))).isEqualTo(hex);
    }

    @Test
    void f16TiesGoToEven() {
        float one = 1f;
        float halfUlp = 0x1p-11f; // the f16 ulp at 1 is 2^-10
        assertThat(hex(DType.floatToF16(one + halfUlp))).isEqualTo("3c00");
        assertThat(hex(DType.floatToF16(one + 3 * halfUlp))).isEqualTo("3c02");
        assertThat(hex(DType.floatToF16(Math.nextUp(one + halfUlp)))).isEqualTo("3c01");
        assertThat(hex(DType.floatToF16(0x1p-25f))).as("half the smallest subnormal ties to 0").isEqualTo("0000");
        assertThat(hex(DType.floatToF16(Math.nextUp(0x1p-25f)))).isEqualTo("0001");
        assertThat(hex(DType.floatToF16(1023.5f * 0x1p-24f))).as("the largest subnormal rounds up to the smallest normal").isEqualTo("0400");
    }

    @Test
    void f16NaNStaysNaN() {
        assertThat(DType.f16ToFloat((short) 0x7e00)).isNaN();
        assertThat(DType.f16ToFloat((short) 0x7c01)).isNaN();
        assertThat(DType.f16ToFloat((short) 0xfe00)).isNaN();
        for (int nanBits : new int[] {0x7fc00000, 0x7f800001, 0xffc00000, 0x7fbfffff}) {
            short half = DType.floatToF16(Float.intBitsToFloat(nanBits));
            assertThat(DType.f16ToFloat(half)).as(Integer.toHexString(nanBits)).isNaN();
            assertThat(half & 0x8000).isEqualTo((nanBits >>> 16) & 0x8000);
        }
    }

    @Test
    void everyF16ValueSurvivesARoundTrip() {
        for (int bits = 0; bits <= 0xffff; bits++) {
            float value = DType.f16ToFloat((short) bits);
            if (Float.isNaN(value)) {
                assertThat(DType.floatToF16(value) & 0x7c00).isEqualTo(0x7c00);
            } else {
                assertThat(DType.floatToF16(value) & 0xffff).as(Integer.toHexString(bits)).isEqualTo(bits);
            }
        }
    }

    /** Against a reference that rounds by search over the table of all f16 values, not by bit tricks. */
    @Test
    void f16RoundsToNearestEvenLikeAReference() {
        double[] table = new double[0x7c00]; // every finite non-negative half, ascending with its bit pattern
        for (int bits = 0; bits < table.length; bits++) {
            table[bits] = DType.f16ToFloat((short) bits);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int bits = 0; bits + 1 < table.length; bits++) {
            float midpoint = (float) ((table[bits] + table[bits + 1]) / 2);
            checkF16(table, midpoint);
            checkF16(table, Math.nextUp(midpoint));
            checkF16(table, Math.nextDown(midpoint));
            checkF16(table, -midpoint);
        }
        for (int i = 0; i < 200_000; i++) {
            checkF16(table, (float) (random.nextDouble(-70000, 70000) * Math.pow(2, -random.nextInt(30))));
        }
    }

    private static void checkF16(double[] table, float value) {
        double magnitude = Math.abs(value);
        int expected;
        if (magnitude >= 65520) {
            expected = 0x7c00;
        } else {
            int above = Arrays.binarySearch(table, magnitude);
            if (above >= 0) {
                expected = above;
            } else {
                above = -above - 1;
                int below = above - 1;
                double downGap = magnitude - table[below];
                double upGap = table[above] - magnitude;
                expected = downGap < upGap ? below : upGap < downGap ? above : (below % 2 == 0 ? below : above);
            }
        }
        int sign = Float.floatToRawIntBits(value) < 0 ? 0x8000 : 0;
        assertThat(DType.floatToF16(value) & 0xffff).as("%s (%a)", value, value).isEqualTo(sign | expected);
    }

    @ParameterizedTest
    @CsvSource({"1.0, 3f80", "-2.5, c020", "3.1415927, 4049", "65504, 4780", "0.0, 0000", "-0.0, 8000",
        "Infinity, 7f80", "-Infinity, ff80", "3.4028235E38, 7f80", "9.18355E-41, 0001"})
    void bf16KnownValues(float value, String hex) {
        assertThat(hex(DType.floatToBf16(value))).isEqualTo(hex);
    }

    @Test
    void bf16TiesGoToEvenAndNaNStaysNaN() {
        assertThat(hex(DType.floatToBf16(Float.intBitsToFloat(0x3f808000)))).isEqualTo("3f80");
        assertThat(hex(DType.floatToBf16(Float.intBitsToFloat(0x3f818000)))).isEqualTo("3f82");
        assertThat(hex(DType.floatToBf16(Float.intBitsToFloat(0x3f808001)))).isEqualTo("3f81");
        assertThat(hex(DType.floatToBf16(Float.intBitsToFloat(0xbf808001)))).isEqualTo("bf81");
        for (int nanBits : new int[] {0x7f800001, 0x7fc00000, 0xff800001, 0x7fffffff}) {
            short bf16 = DType.floatToBf16(Float.intBitsToFloat(nanBits));
            assertThat(DType.bf16ToFloat(bf16)).as(Integer.toHexString(nanBits)).isNaN();
            assertThat(bf16 & 0x8000).isEqualTo((nanBits >>> 16) & 0x8000);
        }
        assertThat(DType.bf16ToFloat((short) 0x7fc1)).isNaN();
    }

    @Test
    void everyBf16ValueSurvivesARoundTrip() {
        for (int bits = 0; bits <= 0xffff; bits++) {
            float value = DType.bf16ToFloat((short) bits);
            assertThat(Float.floatToRawIntBits(value)).isEqualTo(bits << 16);
            if (!Float.isNaN(value)) {
                assertThat(DType.floatToBf16(value) & 0xffff).isEqualTo(bits);
            }
        }
    }

    /** Against a reference that compares the distances to both neighbours in double. */
    @Test
    void bf16RoundsToNearestEvenLikeAReference() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 300_000; i++) {
            int bits = random.nextInt();
            if (i % 3 == 0) {
                bits = (bits & 0xffff0000) | 0x8000; // exact ties
            }
            float value = Float.intBitsToFloat(bits);
            if (Float.isNaN(value)) {
                continue;
            }
            float magnitude = Math.abs(value);
            int lowBits = Float.floatToRawIntBits(magnitude) & 0xffff0000;
            double low = Float.intBitsToFloat(lowBits);
            double high = low + Math.ulp((float) low) * 65536.0;
            double downGap = magnitude - low;
            double upGap = high - magnitude;
            boolean up = upGap < downGap || (upGap == downGap && (lowBits & 0x10000) != 0);
            int expected = ((up ? lowBits + 0x10000 : lowBits) >>> 16) | (bits < 0 ? 0x8000 : 0);
            assertThat(DType.floatToBf16(value) & 0xffff).as("%a", value).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void bulkConversionIsLittleEndianAndAdvancesBuffers(DType dtype) {
        float[] values = {1f, -2.5f, 0.5f, 65504f, -0f, Float.POSITIVE_INFINITY, 0.25f};
        ByteBuffer buffer = ByteBuffer.allocate(3 + values.length * dtype.byteWidth()).order(ByteOrder.BIG_ENDIAN);
        buffer.position(3);
        dtype.encode(values, 1, 5, buffer);
        assertThat(buffer.position()).isEqualTo(3 + 5 * dtype.byteWidth());
        ByteBuffer le = ByteBuffer.wrap(buffer.array(), 3, dtype.byteWidth()).order(ByteOrder.LITTLE_ENDIAN);
        int firstBits = dtype == DType.F32 ? le.getInt() : le.getShort() & 0xffff;
        int expectedBits = switch (dtype) {
            case F32 -> Float.floatToRawIntBits(-2.5f);
            case F16 -> 0xc100;
            case BF16 -> 0xc020;
        };
        assertThat(firstBits).isEqualTo(expectedBits);
        assertThat(buffer.order()).as("the caller's byte order is left alone").isEqualTo(ByteOrder.BIG_ENDIAN);

        buffer.position(3);
        float[] decoded = new float[7];
        dtype.decode(buffer, decoded, 2, 5);
        assertThat(buffer.position()).isEqualTo(3 + 5 * dtype.byteWidth());
        float[] expected = {0, 0, -2.5f, 0.5f, dtype == DType.BF16 ? 65536f : 65504f, -0f, Float.POSITIVE_INFINITY};
        assertThat(FloatBits.of(decoded)).containsExactly(FloatBits.of(expected));
    }

    @Test
    void decodingPastTheBufferFails() {
        ByteBuffer buffer = ByteBuffer.allocate(6);
        assertThatThrownBy(() -> DType.F32.decode(buffer, new float[2], 0, 2)).isInstanceOf(BufferUnderflowException.class);
    }

    private static String hex(short bits) {
        return String.format("%04x", bits & 0xffff);
    }
}
