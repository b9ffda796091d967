package dev.plrd.transport.fetch;

import dev.plrd.model.AtomicFiles;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * One S3 object into a partial file by ranged GETs of its chunks in parallel, each written at its offset and
 * asked for with {@code If-Match: ETAG}, so that an object replaced meanwhile is not stitched from two versions.
 * A journal beside the partial file ({@code .chunks}: the ETag and size it belongs to, then each chunk once it is
 * on disk) lets a killed fetch go on with the chunks it lacks; a journal of another ETag or size starts over.
 * The complete file is then checked against the object's size and ETag: an MD5 for an object uploaded whole,
 * the MD5 of the parts' MD5s ({@code HEX-N}) for one uploaded in parts, where S3 tells the part size. So a
 * resumed prefix is verified like the rest, never trusted. Other ETags (objects encrypted with KMS keys) are
 * checked by size only.
 */
final class S3Download {
    private static final Pattern MD5 = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern MULTIPART = Pattern.compile("([0-9a-f]{32})-(\\d+)");

    private final S3Api api;
    private final long chunkBytes;
    private final int parallelism;

    S3Download(S3Api api, long chunkBytes, int parallelism) {
        this.api = api;
        this.chunkBytes = chunkBytes;
        this.parallelism = parallelism;
    }

    /** Completes partial with object, then verifies it; a wrong resumed file is fetched once more from scratch. */
    void into(Path partial, String bucket, S3Api.Listed object, String name, TransferProgress progress)
            throws IOException {
        Path journal = partial.resolveSibling(partial.getFileName() + ".chunks");
        boolean resumed = fetch(partial, journal, bucket, object, progress);
        String mismatch = verify(partial, bucket, object);
        if (mismatch != null && resumed) {
            Files.deleteIfExists(journal);
            fetch(partial, journal, bucket, object, progress);
            mismatch = verify(partial, bucket, object);
        }
        Files.deleteIfExists(journal);
        if (mismatch != null) {
            Files.deleteIfExists(partial);
            throw new TransportException(name + ": " + mismatch + "; the download is rejected", true);
        }
    }

    /** Downloads the chunks that the journal does not record; returns whether any were kept from before. */
    private boolean fetch(Path partial, Path journal, String bucket, S3Api.Listed object, TransferProgress progress)
            throws IOException {
        String header = object.etag() + " " + object.size() + " " + chunkBytes;
        Set<Long> done = readJournal(journal, header);
        if (done.isEmpty()) {
            Files.deleteIfExists(partial);
            AtomicFiles.writeAtomically(journal, (header + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        long chunks = Math.max(1, (object.size() + chunkBytes - 1) / chunkBytes);
        long kept = done.stream().mapToLong(c -> length(c, object.size())).sum();
        synchronized (progress) {
            progress.start(object.path(), object.size());
            progress.resumed(kept);
        }
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try (FileChannel file = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileChannel log = FileChannel.open(journal, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            List<Future<?>> pending = new ArrayList<>();
            for (long c = 0; c < chunks; c++) {
                if (!done.contains(c)) {
                    long chunk = c;
                    pending.add(pool.submit(() -> {
                        chunk(file, bucket, object, chunk, progress);
                        file.force(false);
                        synchronized (log) {
                            AtomicFiles.writeFully(log, ByteBuffer.wrap((chunk + "\n").getBytes(StandardCharsets.US_ASCII)),
                                    journal);
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : pending) {
                await(f);
            }
        } finally {
            pool.shutdownNow();
        }
        synchronized (progress) {
            progress.finish();
        }
        return !done.isEmpty();
    }

    /** One chunk, from its first byte on every try. */
    private void chunk(FileChannel file, String bucket, S3Api.Listed object, long chunk, TransferProgress progress)
            throws IOException {
        long start = chunk * chunkBytes;
        long length = length(chunk, object.size());
        if (length == 0) {
            return;
        }
        String range = "bytes=" + start + "-" + (start + length - 1);
        api.run("GET s3://" + bucket + "/" + object.key() + " " + range, () -> {
            long position = start;
            try (InputStream in = api.client().getObject(b -> b.bucket(bucket).key(object.key()).range(range)
                    .ifMatch("\"" + object.etag() + "\""))) {
                byte[] buffer = new byte[1 << 20];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                    while (bytes.hasRemaining()) {
                        position += file.write(bytes, position);
                    }
                    synchronized (progress) {
                        progress.advance(n);
                    }
                }
            }
            if (position != start + length) {
                throw new TransportException("s3://" + bucket + "/" + object.key() + ": " + range + " ended after "
                        + (position - start) + " of " + length + " bytes", false);
            }
            return null;
        });
    }

    private long length(long chunk, long size) {
        return Math.max(0, Math.min(chunkBytes, size - chunk * chunkBytes));
    }

    /** What is wrong with the complete file, or null when its size and ETag match the object's. */
    private String verify(Path partial, String bucket, S3Api.Listed object) throws IOException {
        long size = Files.size(partial);
        if (size != object.size()) {
            return "has " + size + " bytes, the listing says " + object.size();
        }
        String etag = object.etag();
        if (MD5.matcher(etag).matches()) {
            String md5 = md5s(partial, size, size).get(0);
            return md5.equals(etag) ? null : "content has MD5 " + md5 + ", the ETag says " + etag;
        }
        Matcher multipart = MULTIPART.matcher(etag);
        if (multipart.matches()) {
            HeadObjectResponse first = api.headPart(bucket, object.key(), 1);
            Integer parts = first.partsCount();
            if (parts == null || parts != Integer.parseInt(multipart.group(2)) || first.contentLength() == null) {
                return null;
            }
            MessageDigest ofParts = digest();
            for (String part : md5s(partial, first.contentLength(), size)) {
                ofParts.update(HexFormat.of().parseHex(part));
            }
            String composite = HexFormat.of().formatHex(ofParts.digest()) + "-" + parts;
            return composite.equals(etag) ? null : "content has multipart MD5 " + composite + ", the ETag says " + etag;
        }
        return null;
    }

    /** The MD5 of each part of partSize bytes (the last may be shorter) of a file of size bytes. */
    private static List<String> md5s(Path file, long partSize, long size) throws IOException {
        List<String> md5s = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (long left = size; left > 0 || md5s.isEmpty(); left -= partSize) {
                MessageDigest md5 = digest();
                ContentDigest.update(md5, in, Math.min(partSize, Math.max(left, 0)));
                md5s.add(ContentDigest.hex(md5));
            }
        }
        return md5s;
    }

    private static Set<Long> readJournal(Path journal, String header) throws IOException {
        Set<Long> done = new HashSet<>();
        if (!Files.exists(journal)) {
            return done;
        }
        List<String> lines = Files.readAllLines(journal, StandardCharsets.US_ASCII);
        if (lines.isEmpty() || !lines.get(0).equals(header)) {
            return done;
        }
        for (String line : lines.subList(1, lines.size())) {
            if (line.matches("\\d+")) {
                done.add(Long.parseLong(line));
            }
        }
        return done;
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }

    private static void await(Future<?> future) throws IOException {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while downloading");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
