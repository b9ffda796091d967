package dev.plrd.model;

import static dev.plrd.model.HandWrittenSafetensors.entry;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every malformed file is refused at open, by a message that names the file and the problem. */
class SafetensorsRejectionTest {
    @TempDir
    Path dir;

    private Path file;

    private void assertRejected(String problem) {
        assertThatThrownBy(() -> SafetensorsReader.open(file).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(problem);
    }

    private void header(String json, int dataBytes) throws IOException {
        file = HandWrittenSafetensors.write(dir.resolve("bad.safetensors"), json, new byte[dataBytes]);
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        file = Files.write(dir.resolve("short.safetensors"), new byte[] {1, 0, 0, 0, 0});
        assertRejected("5 bytes, too short for the 8-byte header length");
    }

    @Test
    void zeroHeaderLength() throws IOException {
        file = HandWrittenSafetensors.writeRaw(dir.resolve("zero.safetensors"), 0, new byte[0], new byte[16]);
        assertRejected("header length is 0");
    }

    @Test
    void headerLengthOverTheLimit() throws IOException {
        file = HandWrittenSafetensors.writeRaw(dir.resolve("huge.safetensors"), 100_000_001, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
        assertRejected("header length 100000001 exceeds the limit of 100000000 bytes");
    }

    @Test
    void headerLengthWithTheTopBitSet() throws IOException {
        file = HandWrittenSafetensors.writeRaw(dir.resolve("negative.safetensors"), -1, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
        assertRejected("header length 18446744073709551615 exceeds the limit");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws IOException {
        file = HandWrittenSafetensors.writeRaw(dir.resolve("cut.safetensors"), 64, "{}      ".getBytes(StandardCharsets.UTF_8), new byte[0]);
        assertRejected("header length 64 runs past the end of the file (16 bytes)");
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] json = {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'};
        file = HandWrittenSafetensors.writeRaw(dir.resolve("latin.safetensors"), json.length, json, new byte[0]);
        assertRejected("header is not valid UTF-8");
    }

    @Test
    void headerNotJson() throws IOException {
        header("{\"a\": ", 0);
        assertRejected("header is not valid JSON");
    }

    @Test
    void headerAJsonArray() throws IOException {
        header("[1, 2]", 0);
        assertRejected("header is not a JSON object");
    }

    @Test
    void duplicateTensorName() throws IOException {
        header("{" + entry("x", "F32", "[1]", 0, 4) + "," + entry("x", "F32", "[1]", 4, 8) + "}", 8);
        assertRejected("Duplicate field 'x'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}               | tensor 'x' has no dtype",
        "{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}           | tensor 'x' has no shape",
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}                    | tensor 'x' has no data_offsets",
        "{\"x\":[1]}                                                  | tensor 'x' is not a JSON object",
        "{\"x\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}   | tensor 'x' has a dtype that is not a string",
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}} | tensor 'x' has shape that is not an array of integers"})
    void incompleteEntry(String json, String problem) throws IOException {
        header(json, 4);
        assertRejected(problem);
    }

    @Test
    void unknownDtype() throws IOException {
        header("{" + entry("ids", "I64", "[1]", 0, 8) + "}", 8);
        assertRejected("tensor 'ids' has unsupported dtype 'I64' (supported: F32, F16, BF16)");
    }

    @Test
    void negativeDimension() throws IOException {
        header("{" + entry("x", "F32", "[-1,4]", 0, 16) + "}", 16);
        assertRejected("tensor 'x' has a negative dimension in shape [-1, 4]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"[8,4]|[8, 4]", "[4]|[4]", "[0,4,8]|[0, 4, 8]", "[-4,0]|[-4, 0]"})
    void offsetsNotAnOrderedPair(String offsets, String shown) throws IOException {
        header("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsets + "}}", 16);
        assertRejected("tensor 'x' has data_offsets " + shown + ", not [begin, end] with 0 <= begin <= end");
    }

    @Test
    void tensorPastTheDataSection() throws IOException {
        header("{" + entry("x", "F32", "[4]", 0, 16) + "}", 12);
        assertRejected("tensor 'x' ends at byte 16 of the data section, past its end (12 bytes)");
    }

    @Test
    void byteCountDisagreesWithShape() throws IOException {
        header("{" + entry("x", "BF16", "[2,3]", 0, 16) + "}", 16);
        assertRejected("tensor 'x' of shape [2, 3] and dtype BF16 needs 12 bytes, but data_offsets [0, 16] hold 16");
    }

    @Test
    void shapeTooLargeToAddress() throws IOException {
        header("{" + entry("x", "F32", "[4611686018427387904,4]", 0, 16) + "}", 16);
        assertRejected("tensor 'x' has shape [4611686018427387904, 4], too large to address");
    }

    @Test
    void overlappingTensors() throws IOException {
        header("{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("e", "F32", "[0]", 4, 4) + ","
                + entry("b", "F32", "[2]", 8, 16) + "}", 16);
        assertRejected("tensors 'a' [0, 16) and 'b' [8, 16) overlap");
    }

    @Test
    void overlapHiddenBehindAShortTensor() throws IOException {
        header("{" + entry("long", "F32", "[6]", 0, 24) + "," + entry("short", "F32", "[1]", 4, 8) + "}", 24);
        assertRejected("tensors 'long' [0, 24) and 'short' [4, 8) overlap");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"__metadata__\":{\"format\":\"pt\",\"step\":5}} | __metadata__ must be a map from strings to strings, but 'step' is 5",
        "{\"__metadata__\":\"pt\"}                        | __metadata__ must be a map from strings to strings, got \"pt\""})
    void metadataNotAStringMap(String json, String problem) throws IOException {
        header(json, 0);
        assertRejected(problem);
    }
}
