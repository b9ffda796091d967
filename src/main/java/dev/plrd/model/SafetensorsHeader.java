package dev.plrd.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The safetensors header: a u64 little-endian length N, then N bytes of UTF-8 JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data section that follows),
 * plus an optional {@code "__metadata__"} string map. Reading validates all of it before any tensor is mapped,
 * so a bad file fails at open with a message rather than later with garbage.
 */
final class SafetensorsHeader {
    static final String METADATA_KEY = "__metadata__";
    /** The limit of the reference implementation: anything larger is a corrupt length, not a header. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** One tensor and its byte range [begin, end) within the data section. */
    record Entry(TensorInfo info, long begin, long end) {
    }

    private final List<Entry> entries;
    private final Map<String, Entry> byName;
    private final Map<String, String> metadata;
    private final long dataStart;

    private SafetensorsHeader(List<Entry> entries, Map<String, String> metadata, long dataStart) {
        this.entries = List.copyOf(entries);
        this.byName = new LinkedHashMap<>();
        entries.forEach(e -> byName.put(e.info().name(), e));
        this.metadata = Collections.unmodifiableMap(metadata);
        this.dataStart = dataStart;
    }

    /** In the order their bytes lie in the file, so that reading in this order is sequential. */
    List<Entry> entries() {
        return entries;
    }

    Optional<Entry> entry(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    Map<String, String> metadata() {
        return metadata;
    }

    /** File position of the data section: offsets in the header count from here. */
    long dataStart() {
        return dataStart;
    }

    static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new CheckpointException(file, "file is " + size + " bytes, too short for the 8-byte header length");
        }
        long headerLength = readFully(file, channel, 0, 8).getLong();
        if (headerLength == 0) {
            throw new CheckpointException(file, "header length is 0");
        }
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new CheckpointException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength > size - 8) {
            throw new CheckpointException(file, "header length " + headerLength + " runs past the end of the file ("
                    + size + " bytes)");
        }
        String text = decodeUtf8(file, readFully(file, channel, 8, (int) headerLength));
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file, "header is not a JSON object");
        }
        long dataSize = size - 8 - headerLength;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                entries.add(parseEntry(file, field.getKey(), field.getValue(), dataSize));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin)); // stable: equal begins keep header order
        checkDisjoint(file, entries);
        return new SafetensorsHeader(entries, metadata, 8 + headerLength);
    }

    private static ByteBuffer readFully(Path file, FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new EOFException(file + " ended while reading its header");
            }
        }
        return buffer.flip();
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) throws CheckpointException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file, "header is not valid UTF-8", e);
        }
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws CheckpointException {
        if (!node.isObject()) {
            throw new CheckpointException(file, METADATA_KEY + " must be a map from strings to strings, got " + node);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new CheckpointException(file, METADATA_KEY + " must be a map from strings to strings, but '"
                        + field.getKey() + "' is " + field.getValue());
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return metadata;
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataSize) throws CheckpointException {
        String tensor = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new CheckpointException(file, tensor + " is not a JSON object: " + node);
        }
        JsonNode dtypeNode = required(file, tensor, node, "dtype");
        if (!dtypeNode.isTextual()) {
            throw new CheckpointException(file, tensor + " has a dtype that is not a string: " + dtypeNode);
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dtypeNode.textValue());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, tensor + " has " + e.getMessage());
        }
        long[] shape = longs(file, tensor, required(file, tensor, node, "shape"), "shape");
        if (Arrays.stream(shape).anyMatch(d -> d < 0)) {
            throw new CheckpointException(file, tensor + " has a negative dimension in shape " + Arrays.toString(shape));
        }
        long[] offsets = longs(file, tensor, required(file, tensor, node, "data_offsets"), "data_offsets");
        if (offsets.length != 2 || offsets[0] < 0 || offsets[0] > offsets[1]) {
            throw new CheckpointException(file, tensor + " has data_offsets " + Arrays.toString(offsets)
                    + ", not [begin, end] with 0 <= begin <= end");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end > dataSize) {
            throw new CheckpointException(file, tensor + " ends at byte " + end + " of the data section, past its end ("
                    + dataSize + " bytes)");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape);
        long byteSize;
        try {
            byteSize = info.byteSize();
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, tensor + " has shape " + Arrays.toString(shape) + ", too large to address");
        }
        if (byteSize != end - begin) {
            throw new CheckpointException(file, tensor + " of shape " + Arrays.toString(shape) + " and dtype " + dtype
                    + " needs " + byteSize + " bytes, but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(info, begin, end);
    }

    private static JsonNode required(Path file, String tensor, JsonNode node, String field) throws CheckpointException {
        JsonNode value = node.get(field);
        if (value == null) {
            throw new CheckpointException(file, tensor + " has no " + field);
        }
        return value;
    }

    private static long[] longs(Path file, String tensor, JsonNode node, String field) throws CheckpointException {
        if (!node.isArray()) {
            throw new CheckpointException(file, tensor + " has " + field + " that is not an array of integers: " + node);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode element = node.get(i);
            if (!element.isIntegralNumber() || !element.canConvertToLong()) {
                throw new CheckpointException(file, tensor + " has " + field + " that is not an array of integers: " + node);
            }
            values[i] = element.longValue();
        }
        return values;
    }

    /** Two tensors sharing bytes would alias: writing one would silently change the other. Empty tensors hold no bytes. */
    private static void checkDisjoint(Path file, List<Entry> byBegin) throws CheckpointException {
        Entry reach = null; // among tensors so far, the one ending last
        for (Entry entry : byBegin) {
            if (entry.begin() == entry.end()) {
                continue;
            }
            if (reach != null && entry.begin() < reach.end()) {
                throw new CheckpointException(file, "tensors '" + reach.info().name() + "' [" + reach.begin() + ", "
                        + reach.end() + ") and '" + entry.info().name() + "' [" + entry.begin() + ", " + entry.end()
                        + ") overlap");
            }
            if (reach == null || entry.end() > reach.end()) {
                reach = entry;
            }
        }
    }

    /**
     * The bytes before the data section for a layout: tensors contiguous from offset 0 in layout order, header keys
     * in the same order with {@code __metadata__} first when there is any, the JSON space-padded so that the data
     * section starts 8-byte aligned.
     */
    static ByteBuffer encode(List<TensorInfo> layout, Map<String, String> metadata) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (TensorInfo info : layout) {
            if (info.name().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved for metadata, not a tensor name");
            }
            if (!names.add(info.name())) {
                throw new IllegalArgumentException("tensor '" + info.name() + "' appears twice in the layout");
            }
            ObjectNode entry = root.putObject(info.name());
            entry.put("dtype", info.dtype().safetensorsName());
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(info.shape()).forEach(shape::add);
            ArrayNode offsets = entry.putArray("data_offsets");
            offsets.add(offset);
            offset += info.byteSize();
            offsets.add(offset);
        }
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
        int padded = (json.length + 7) & ~7;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("the header of " + layout.size() + " tensors would exceed " + MAX_HEADER_BYTES + " bytes");
        }
        ByteBuffer bytes = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(padded).put(json);
        while (bytes.hasRemaining()) {
            bytes.put((byte) ' ');
        }
        return bytes.flip();
    }
}
