package dev.plrd.model;

import java.io.Closeable;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one {@code .safetensors} file. The whole header is validated at open; tensors are then read one at a time
 * by mapping only that tensor's bytes, so peak memory is one tensor whatever the file size, and files past 2 GiB
 * work although one mapping cannot exceed 2 GiB. Mapping into {@code float[]} is the fastest route measured
 * (NUMERICS.md section 7).
 */
public final class SafetensorsReader implements Closeable {
    /** A tensor's bytes are mapped in pieces of at most this size: a float32 embedding of a large vocabulary exceeds 2 GiB. */
    static final long MAX_MAPPING_BYTES = 1L << 30;
    /** The largest float[] a JVM allocates. */
    private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private final Path file;
    private final FileChannel channel;
    private final SafetensorsHeader header;
    private final long mappingBytes;

    private SafetensorsReader(Path file, FileChannel channel, SafetensorsHeader header, long mappingBytes) {
        this.file = file;
        this.channel = channel;
        this.header = header;
        this.mappingBytes = mappingBytes;
    }

    public static SafetensorsReader open(Path file) throws IOException {
        return open(file, MAX_MAPPING_BYTES);
    }

    /** mappingBytes smaller than the default lets tests cover the piecewise path without gigabytes of data. */
    static SafetensorsReader open(Path file, long mappingBytes) throws IOException {
        if (mappingBytes <= 0 || mappingBytes % DType.F32.byteWidth() != 0) {
            throw new IllegalArgumentException("mapping size must be a positive multiple of every dtype width, got " + mappingBytes);
        }
        FileChannel channel = FileChannel.open(RegularFile.require(file), StandardOpenOption.READ);
        try {
            return new SafetensorsReader(file, channel, SafetensorsHeader.read(file, channel), mappingBytes);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return file;
    }

    /** Every tensor, in the order its bytes lie in the file (reading in this order is sequential). */
    public List<TensorInfo> tensors() {
        return header.entries().stream().map(SafetensorsHeader.Entry::info).toList();
    }

    public Optional<TensorInfo> tensor(String name) {
        return header.entry(name).map(SafetensorsHeader.Entry::info);
    }

    /** The {@code __metadata__} map of the header; empty when there is none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Reads one tensor into a new float32 array. */
    public Tensor read(String name) throws IOException {
        SafetensorsHeader.Entry entry = header.entry(name)
                .orElseThrow(() -> new CheckpointException(file, "holds no tensor '" + name + "'"));
        TensorInfo info = entry.info();
        if (info.elements() > MAX_ARRAY_LENGTH) {
            throw new CheckpointException(file, "tensor '" + name + "' has " + info.elements()
                    + " elements, more than one Java array holds");
        }
        float[] data = new float[(int) info.elements()];
        DType dtype = info.dtype();
        int perMapping = (int) Math.min(mappingBytes / dtype.byteWidth(), MAX_ARRAY_LENGTH);
        long position = header.dataStart() + entry.begin();
        for (int done = 0; done < data.length; ) {
            int count = Math.min(perMapping, data.length - done);
            long bytes = (long) count * dtype.byteWidth();
            MappedByteBuffer region = channel.map(FileChannel.MapMode.READ_ONLY, position, bytes);
            dtype.decode(region, data, done, count);
            done += count;
            position += bytes;
        }
        return new Tensor(name, dtype, info.shape(), data);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
