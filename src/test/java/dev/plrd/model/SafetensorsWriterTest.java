package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private static Tensor random(String name, DType dtype, long... shape) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        float[] data = new float[Math.toIntExact(new TensorInfo(name, dtype, shape).elements())];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian() * 3;
        }
        data[0] = Float.NaN; // every test tensor has at least one element
        return new Tensor(name, dtype, shape, data);
    }

    private static float storedValue(DType dtype, float value) {
        return switch (dtype) {
            case F32 -> value;
            case F16 -> DType.f16ToFloat(DType.floatToF16(value));
            case BF16 -> DType.bf16ToFloat(DType.floatToBf16(value));
        };
    }

    /** One tensor spans several write buffers (4 MiB), one is a scalar, one is empty. */
    @ParameterizedTest
    @EnumSource(DType.class)
    void roundTripsEveryDtype(DType dtype) throws IOException {
        List<Tensor> tensors = List.of(random("big", dtype, 1500, 1500), random("scalar", dtype),
                new Tensor("empty", dtype, new long[] {0, 4}, new float[0]), random("bias", dtype, 7));
        Path file = dir.resolve("t.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, tensors.stream().map(Tensor::info).toList(), Map.of())) {
            for (Tensor tensor : tensors) {
                writer.write(tensor);
            }
            writer.commit();
        }
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            assertThat(reader.tensors()).containsExactlyElementsOf(tensors.stream().map(Tensor::info).toList());
            for (Tensor tensor : tensors) {
                float[] expected = tensor.data().clone();
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = storedValue(dtype, expected[i]);
                }
                // isEqualTo compares arrays in linear time; containsExactly would be quadratic on millions of elements
                assertThat(FloatBits.of(reader.read(tensor.name()).data())).as(tensor.name()).isEqualTo(FloatBits.of(expected));
            }
        }
    }

    @Test
    void convertsToTheDeclaredDtype() throws IOException {
        Path file = dir.resolve("t.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(new TensorInfo("x", DType.F16, new long[] {2})), Map.of())) {
            writer.write(new Tensor("x", DType.F32, new long[] {2}, new float[] {0.1f, 70000f}));
            writer.commit();
        }
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer data = ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(data.getShort() & 0xffff).isEqualTo(0x2e66);
        assertThat(data.getShort() & 0xffff).isEqualTo(0x7c00);
    }

    /** The header is checked byte by byte here, with plain Jackson, not through the project's reader. */
    @Test
    void headerFollowsTheLayoutWithMetadataFirstAndPaddedToEightBytes() throws IOException {
        List<TensorInfo> layout = List.of(new TensorInfo("zeta", DType.BF16, new long[] {3}),
                new TensorInfo("alpha", DType.F32, new long[] {2, 1}), new TensorInfo("mid", DType.F16, new long[] {1}));
        Path file = dir.resolve("t.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, layout, Map.of("format", "pt"))) {
            writer.write(new Tensor("zeta", DType.BF16, new long[] {3}, new float[] {1, 2, 3}));
            writer.write(new Tensor("alpha", DType.F32, new long[] {2, 1}, new float[] {4, 5}));
            writer.write(new Tensor("mid", DType.F16, new long[] {1}, new float[] {6}));
            writer.commit();
        }
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        assertThat(bytes.length).isEqualTo(8 + headerLength + 6 + 8 + 2);
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat(header.strip()).startsWith("{").endsWith("}");
        assertThat(header.substring(header.strip().length())).isBlank();
        JsonNode json = new ObjectMapper().readTree(header);
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("__metadata__", "zeta", "alpha", "mid");
        assertThat(json.get("__metadata__").get("format").asText()).isEqualTo("pt");
        assertThat(json.get("zeta").toString()).isEqualTo("{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}");
        assertThat(json.get("alpha").get("data_offsets").toString()).isEqualTo("[6,14]");
        assertThat(json.get("mid").get("data_offsets").toString()).isEqualTo("[14,16]");
        ByteBuffer data = ByteBuffer.wrap(bytes, 8 + (int) headerLength, 16).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(data.getShort()).isEqualTo((short) 0x3f80);
    }

    @Test
    void noMetadataMeansNoMetadataKey() throws IOException {
        Path file = dir.resolve("t.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(), Map.of())) {
            writer.commit();
        }
        byte[] bytes = Files.readAllBytes(file);
        assertThat(new String(bytes, 8, bytes.length - 8, StandardCharsets.UTF_8)).isEqualTo("{}      ");
    }

    @Test
    void refusesTensorsOutOfOrderOrOfTheWrongShape() throws IOException {
        List<TensorInfo> layout = List.of(new TensorInfo("a", DType.F32, new long[] {2}), new TensorInfo("b", DType.F32, new long[] {2}));
        Path file = dir.resolve("t.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, layout, Map.of())) {
            Tensor a = new Tensor("a", DType.F32, new long[] {2}, new float[] {1, 2});
            Tensor b = new Tensor("b", DType.F32, new long[] {2}, new float[] {3, 4});
            assertThatThrownBy(() -> writer.write(b)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected tensor 'a' next (number 1 of 2), got 'b'");
            assertThatThrownBy(() -> writer.write(new Tensor("a", DType.F32, new long[] {1, 2}, new float[] {1, 2})))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tensor 'a' has shape [1, 2], the layout declares [2]");
            writer.write(a);
            assertThatThrownBy(writer::commit).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("only 1 of 2 tensors are written; next is 'b'");
            writer.write(b);
            assertThatThrownBy(() -> writer.write(a)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("all 2 tensors are written");
            writer.commit();
        }
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            assertThat(reader.read("b").data()).containsExactly(3, 4);
        }
    }

    @Test
    void refusesALayoutWithRepeatedOrReservedNames() {
        TensorInfo a = new TensorInfo("a", DType.F32, new long[] {1});
        assertThatThrownBy(() -> SafetensorsWriter.create(dir.resolve("t.safetensors"), List.of(a, a), Map.of()))
                .hasMessage("tensor 'a' appears twice in the layout");
        assertThatThrownBy(() -> SafetensorsWriter.create(dir.resolve("t.safetensors"),
                List.of(new TensorInfo("__metadata__", DType.F32, new long[] {1})), Map.of()))
                .hasMessageContaining("reserved");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void nothingAppearsUnderTheRealNameBeforeCommit() throws IOException {
        Path file = dir.resolve("t.safetensors");
        List<TensorInfo> layout = List.of(new TensorInfo("a", DType.F32, new long[] {1}));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, layout, Map.of())) {
            writer.write(new Tensor("a", DType.F32, new long[] {1}, new float[] {1}));
            assertThat(file).doesNotExist();
            assertThat(names()).singleElement().asString().startsWith(".t.safetensors.tmp-");
        }
        assertThat(dir).as("closed without commit: temporary file gone").isEmptyDirectory();
    }

    @Test
    void commitReplacesAnExistingFile() throws IOException {
        Path file = Files.writeString(dir.resolve("t.safetensors"), "old contents");
        List<TensorInfo> layout = List.of(new TensorInfo("a", DType.F32, new long[] {1}));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, layout, Map.of())) {
            writer.write(new Tensor("a", DType.F32, new long[] {1}, new float[] {5}));
            writer.commit();
            assertThatThrownBy(() -> writer.write(new Tensor("a", DType.F32, new long[] {1}, new float[] {5})))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already committed");
        }
        assertThat(names()).containsExactly("t.safetensors");
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            assertThat(reader.read("a").data()).containsExactly(5);
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
