package dev.plrd.transport.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * A range of a file as a request body, read from disk as it is sent (never held in memory), that
 * adds the bytes it sends to a copy of a running sha256. The client may send a body twice (after an
 * authentication challenge), so each sending digests into a fresh copy; {@link #digestAfter()} is
 * the copy of the last sending, to adopt once the registry has accepted the chunk.
 */
final class RegistryChunk {
    private final Path file;
    private final long offset;
    private final long length;
    private final MessageDigest before;
    private volatile MessageDigest after;

    RegistryChunk(Path file, long offset, long length, MessageDigest before) {
        this.file = file;
        this.offset = offset;
        this.length = length;
        this.before = before;
    }

    HttpRequest.BodyPublisher body() {
        if (length == 0) {
            return HttpRequest.BodyPublishers.noBody();
        }
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(this::open), length);
    }

    /** The running digest with this chunk's bytes added, as last sent. */
    MessageDigest digestAfter() {
        return after;
    }

    private InputStream open() {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            channel.position(offset);
            MessageDigest digest = (MessageDigest) before.clone();
            after = digest;
            return new DigestInputStream(new Bounded(Channels.newInputStream(channel), length), digest);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be read for upload", e);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the sha256 implementation cannot be copied", e);
        }
    }

    /** Ends after {@code length} bytes, so that a chunk sends its range and no more. */
    private static final class Bounded extends FilterInputStream {
        private long left;

        Bounded(InputStream in, long length) {
            super(in);
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(buffer, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
