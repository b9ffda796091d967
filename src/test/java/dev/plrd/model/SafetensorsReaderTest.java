package dev.plrd.model;

import static dev.plrd.model.HandWrittenSafetensors.concat;
import static dev.plrd.model.HandWrittenSafetensors.entry;
import static dev.plrd.model.HandWrittenSafetensors.f32;
import static dev.plrd.model.HandWrittenSafetensors.halves;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files from the hand-written encoder, read back exactly. */
class SafetensorsReaderTest {
    @TempDir
    Path dir;

    /** Header order (h, w, e, b, s) differs from byte order (w, h, b, s, e) on purpose. */
    private Path mixedDtypes() throws IOException {
        String header = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"é\"},"
                + entry("h", "F16", "[2,4]", 16, 32) + ","
                + entry("w", "F32", "[2,2]", 0, 16) + ","
                + entry("e", "F32", "[0,3]", 46, 46) + ","
                + entry("b", "BF16", "[5]", 32, 42) + ","
                + entry("s", "F32", "[]", 42, 46) + "}";
        byte[] data = concat(
                f32(1f, -2.5f, 0.1f, Float.NaN),
                halves(0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e00),
                halves(0x3f80, 0xc020, 0x7f80, 0x0001, 0x7fc1),
                f32(-0f));
        return HandWrittenSafetensors.write(dir.resolve("mixed.safetensors"), header, data);
    }

    @Test
    void readsEveryDtypeExactly() throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.open(mixedDtypes())) {
            Tensor w = reader.read("w");
            assertThat(w.dtype()).isEqualTo(DType.F32);
            assertThat(w.shape()).containsExactly(2, 2);
            assertThat(w.rows()).isEqualTo(2);
            assertThat(FloatBits.of(w.data())).containsExactly(FloatBits.of(1f, -2.5f, 0.1f, Float.NaN));

            Tensor h = reader.read("h");
            assertThat(h.dtype()).isEqualTo(DType.F16);
            assertThat(h.data()).hasSize(8);
            assertThat(h.data()[0]).isEqualTo(1f);
            assertThat(h.data()[1]).isEqualTo(-2.5f);
            assertThat(h.data()[2]).isEqualTo(65504f);
            assertThat(h.data()[3]).isEqualTo(0x1p-24f);
            assertThat(h.data()[4]).isEqualTo(1023 * 0x1p-24f);
            assertThat(h.data()[5]).isEqualTo(Float.POSITIVE_INFINITY);
            assertThat(h.data()[6]).isEqualTo(Float.NEGATIVE_INFINITY);
            assertThat(h.data()[7]).isNaN();

            Tensor b = reader.read("b");
            assertThat(b.dtype()).isEqualTo(DType.BF16);
            assertThat(FloatBits.of(b.data())).containsExactly(
                    FloatBits.of(1f, -2.5f, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x00010000), Float.intBitsToFloat(0x7fc10000)));

            assertThat(FloatBits.of(reader.read("s").data())).containsExactly(FloatBits.of(-0f));
            assertThat(reader.read("s").shape()).isEmpty();
            assertThat(reader.read("e").data()).isEmpty();
            assertThat(reader.read("e").shape()).containsExactly(0, 3);
        }
    }

    @Test
    void listsTensorsInByteOrderAndKeepsMetadata() throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.open(mixedDtypes())) {
            assertThat(reader.tensors()).extracting(TensorInfo::name).containsExactly("w", "h", "b", "s", "e");
            assertThat(reader.tensors().get(1)).isEqualTo(new TensorInfo("h", DType.F16, new long[] {2, 4}));
            assertThat(reader.tensor("b")).map(TensorInfo::byteSize).contains(10L);
            assertThat(reader.tensor("missing")).isEmpty();
            assertThat(reader.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("note", "é"));
        }
    }

    @Test
    void aFileWithoutMetadataHasAnEmptyMap() throws IOException {
        Path file = HandWrittenSafetensors.write(dir.resolve("plain.safetensors"), "{" + entry("x", "F32", "[1]", 0, 4) + "}", f32(3f));
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            assertThat(reader.metadata()).isEmpty();
            assertThat(reader.read("x").data()).containsExactly(3f);
        }
    }

    @Test
    void readingAnUnknownTensorNamesTheFile() throws IOException {
        Path file = mixedDtypes();
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            assertThatThrownBy(() -> reader.read("nope")).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("no tensor 'nope'");
        }
    }

    /** Small mappings force the piecewise path that tensors over 1 GiB take, including a piece cut short at the end. */
    @Test
    void readsATensorInPiecesWhenItExceedsOneMapping() throws IOException {
        int n = 1001;
        int[] halfBits = new int[n];
        float[] floats = new float[n];
        for (int i = 0; i < n; i++) {
            halfBits[i] = (i * 37) & 0x7bff;
            floats[i] = i * 0.5f - 7;
        }
        String header = "{" + entry("f", "F32", "[7,143]", 0, 4L * n) + "," + entry("h", "F16", "[1001]", 4L * n, 6L * n) + "}";
        Path file = HandWrittenSafetensors.write(dir.resolve("pieces.safetensors"), header, concat(f32(floats), halves(halfBits)));
        try (SafetensorsReader pieces = SafetensorsReader.open(file, 12)) {
            assertThat(pieces.read("f").data()).containsExactly(floats);
            float[] h = pieces.read("h").data();
            for (int i = 0; i < n; i++) {
                assertThat(h[i]).as("element %d", i).isEqualTo(DType.f16ToFloat((short) halfBits[i]));
            }
        }
    }
}
