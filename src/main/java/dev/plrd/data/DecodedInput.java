package dev.plrd.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A compressed file's bytes, decoded. On a truncated or corrupt file the decoders fail with exceptions that look
 * like failures to read and name no file (EOFException and ZipException from gzip; a bare IOException and the
 * unchecked MalformedInputException from zstd). Here they become {@link Undecodable}, which the reader reports as
 * bad data naming the file, while a failure to read the file itself passes through as it was.
 */
final class DecodedInput extends InputStream {
    /** The file's bytes are not valid in its compression format. */
    static final class Undecodable extends IOException {
        Undecodable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Source source;
    private final InputStream decoded;
    private final Compression compression;

    private DecodedInput(Source source, InputStream decoded, Compression compression) {
        this.source = source;
        this.decoded = decoded;
        this.compression = compression;
    }

    static InputStream of(InputStream raw, Compression compression) throws IOException {
        if (compression == Compression.NONE) {
            return raw;
        }
        Source source = new Source(raw);
        try {
            return new DecodedInput(source, compression.decoding(source), compression);
        } catch (IOException | RuntimeException e) {
            throw source.blame(e, compression);
        }
    }

    /**
     * Decodes the rest of in, where it is a compressed file, to tell whether a problem seen in its text came from
     * the file being corrupt; if so the decoder's failure is thrown instead, with that problem attached as suppressed.
     */
    static void checkRest(InputStream in, Exception seen) throws IOException {
        if (in instanceof DecodedInput) {
            try {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (Undecodable e) {
                e.addSuppressed(seen);
                throw e;
            }
        }
    }

    @Override
    public int read() throws IOException {
        try {
            return decoded.read();
        } catch (IOException | RuntimeException e) {
            throw source.blame(e, compression);
        }
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        try {
            return decoded.read(into, offset, length);
        } catch (IOException | RuntimeException e) {
            throw source.blame(e, compression);
        }
    }

    @Override
    public void close() throws IOException {
        decoded.close();
    }

    /** The compressed bytes, remembering whether reading them failed. */
    private static final class Source extends FilterInputStream {
        private IOException failure;

        Source(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            try {
                return in.read(into, offset, length);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        /** The file's own read failure where there was one; otherwise the decoder's, as bad data. */
        IOException blame(Exception e, Compression compression) {
            if (failure != null) {
                return failure;
            }
            return new Undecodable("not valid " + compression.label() + " data: " + e.getMessage() + " (a truncated,"
                    + " corrupt or misnamed file)", e);
        }
    }
}
