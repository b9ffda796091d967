package dev.plrd.model;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes one {@code .safetensors} file as a stream. The caller declares the whole layout up front, because the
 * header, which holds every tensor's offsets, comes first in the file; tensors then follow one at a time in
 * layout order, so only one is ever in memory. Data go to a hidden temporary file next to the target that
 * {@link #commit()} syncs and renames onto it; {@link #close()} without a commit deletes it, so the real name
 * only ever holds a complete file.
 *
 * <p>Writes go through a reused direct buffer and {@link FileChannel#write}: once synced to disk every write route
 * measured converges at about the same speed (NUMERICS.md section 7), and this one keeps no mappings alive.
 */
public final class SafetensorsWriter implements Closeable {
    private static final int BUFFER_BYTES = 4 << 20;

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final List<TensorInfo> layout;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private int written;
    private boolean committed;

    private SafetensorsWriter(Path target, Path temp, FileChannel channel, List<TensorInfo> layout) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
        this.layout = layout;
    }

    /** Starts the file: checks the layout and writes the header. */
    public static SafetensorsWriter create(Path target, List<TensorInfo> layout, Map<String, String> metadata) throws IOException {
        ByteBuffer header = SafetensorsHeader.encode(layout, metadata);
        Path temp = AtomicFiles.createTempFile(target);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(temp, StandardOpenOption.WRITE);
            AtomicFiles.writeFully(channel, header, temp);
            return new SafetensorsWriter(target, temp, channel, List.copyOf(layout));
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    public Path target() {
        return target;
    }

    /** Appends the next tensor of the layout, converting its floats to the dtype the layout declares. */
    public void write(Tensor tensor) throws IOException {
        if (committed || !channel.isOpen()) {
            throw new IllegalStateException(target + " is already " + (committed ? "committed" : "closed"));
        }
        if (written == layout.size()) {
            throw new IllegalStateException(target + ": all " + layout.size() + " tensors are written; '"
                    + tensor.name() + "' is not in the layout");
        }
        TensorInfo expected = layout.get(written);
        if (!expected.name().equals(tensor.name())) {
            throw new IllegalArgumentException(target + ": expected tensor '" + expected.name() + "' next (number "
                    + (written + 1) + " of " + layout.size() + "), got '" + tensor.name() + "'");
        }
        if (!expected.sameShape(tensor.shape())) {
            throw new IllegalArgumentException(target + ": tensor '" + tensor.name() + "' has shape "
                    + Arrays.toString(tensor.shape()) + ", the layout declares " + Arrays.toString(expected.shape()));
        }
        DType dtype = expected.dtype();
        float[] data = tensor.data();
        int perBuffer = BUFFER_BYTES / dtype.byteWidth();
        for (int done = 0; done < data.length; ) {
            int count = Math.min(perBuffer, data.length - done);
            buffer.clear();
            dtype.encode(data, done, count, buffer);
            AtomicFiles.writeFully(channel, buffer.flip(), temp);
            done += count;
        }
        written++;
    }

    /** Syncs the complete file to disk and renames it onto the target, replacing any file there. */
    public void commit() throws IOException {
        if (committed) {
            return;
        }
        if (!channel.isOpen()) {
            throw new IllegalStateException(target + " is already closed");
        }
        if (written < layout.size()) {
            throw new IllegalStateException(target + ": only " + written + " of " + layout.size()
                    + " tensors are written; next is '" + layout.get(written).name() + "'");
        }
        try {
            channel.force(true);
        } catch (IOException e) {
            throw AtomicFiles.naming(temp, e);
        }
        channel.close();
        AtomicFiles.moveAtomically(temp, target);
        committed = true;
    }

    /** Without a commit, discards the temporary file. */
    @Override
    public void close() throws IOException {
        channel.close();
        if (!committed) {
            Files.deleteIfExists(temp);
        }
    }
}
