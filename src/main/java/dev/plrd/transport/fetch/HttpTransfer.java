package dev.plrd.transport.fetch;

import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GET requests with what every fetch needs: the bearer token only for the origin it belongs to
 * (a redirect to a CDN host loses it, as browsers and huggingface_hub do), redirects followed by
 * hand for that reason, retries of 5xx, 429 and dropped connections within a {@link RetryPolicy},
 * and failures that name the source URI and the HTTP status, never the token nor a redirect's
 * query string (CDN URLs carry signatures).
 */
final class HttpTransfer {
    private static final int MAX_REDIRECTS = 10;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(30)).build();
    private final URI authorizedOrigin;
    private final String token;
    private final RetryPolicy retry;

    /** token goes to requests for authorizedOrigin's scheme, host and port only; both may be null. */
    HttpTransfer(URI authorizedOrigin, String token, RetryPolicy retry) {
        this.authorizedOrigin = authorizedOrigin;
        this.token = token;
        this.retry = retry;
    }

    /** A response body read whole (API answers, small), with its headers. */
    record Text(String body, HttpResponse<?> response) {
        Optional<String> header(String name) {
            return response.headers().firstValue(name);
        }
    }

    Text getText(URI uri, String source) throws TransportException {
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<InputStream> response = send(uri, null, null, source);
                try (InputStream body = response.body()) {
                    if (response.statusCode() == 200) {
                        return new Text(new String(body.readAllBytes(), StandardCharsets.UTF_8), response);
                    }
                    failure(response, source, uri);
                }
            } catch (TransportException e) {
                if (e.permanent() || attempt >= retry.attempts()) {
                    throw e;
                }
                pause(attempt, e, source);
            } catch (IOException e) {
                if (attempt >= retry.attempts()) {
                    throw new TransportException(source + ": " + describe(uri) + " failed after " + attempt
                            + " tries: " + e, false, e);
                }
                pause(attempt, e, source);
            }
        }
    }

    /** What a download learnt about the file: its total size and its ETag, when the server said. */
    record Downloaded(long size, String etag) {
    }

    /**
     * Completes partial with the content of uri: from its current length with {@code Range: bytes=N-}
     * (guarded by {@code If-Range: ifRange} when given), or from the start when the server sends
     * the whole file. Retries resume from wherever the last try stopped. expectedSize (or -1)
     * detects a body that ended early; the caller still verifies the content.
     */
    Downloaded download(URI uri, Path partial, long expectedSize, String ifRange, String source,
            TransferProgress progress) throws TransportException {
        for (int attempt = 1; ; attempt++) {
            try {
                long have = Files.exists(partial) ? Files.size(partial) : 0;
                if (expectedSize >= 0 && have > expectedSize) {
                    truncate(partial, 0);
                    have = 0;
                }
                HttpResponse<InputStream> response = send(uri, have > 0 ? "bytes=" + have + "-" : null,
                        have > 0 ? ifRange : null, source);
                Downloaded done = receive(response, uri, partial, have, source, progress);
                if (done != null && (expectedSize < 0 || done.size() == expectedSize)) {
                    return done;
                }
                if (done != null) {
                    throw new TransportException(source + ": " + describe(uri) + " has " + done.size()
                            + " bytes, the listing says " + expectedSize, true);
                }
                if (attempt >= retry.attempts()) {
                    throw new TransportException(source + ": " + describe(uri) + " refused the range of every try"
                            + " (HTTP 416)", false);
                }
            } catch (TransportException e) {
                if (e.permanent() || attempt >= retry.attempts()) {
                    throw e;
                }
                pause(attempt, e, source);
            } catch (IOException e) {
                if (attempt >= retry.attempts()) {
                    throw new TransportException(source + ": " + describe(uri) + " failed after " + attempt
                            + " tries: " + e, false, e);
                }
                pause(attempt, e, source);
            }
        }
    }

    /** Writes the body after the bytes that partial holds; null when the try must be repeated (416). */
    private Downloaded receive(HttpResponse<InputStream> response, URI uri, Path partial, long have, String source,
            TransferProgress progress) throws IOException {
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            long offset;
            long total;
            if (status == 206) {
                Matcher range = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
                if (!range.matches() || Long.parseLong(range.group(1)) != have || range.group(3).equals("*")) {
                    truncate(partial, 0);
                    throw new IOException("unusable Content-Range "
                            + response.headers().firstValue("Content-Range").orElse("(none)") + " for bytes=" + have + "-");
                }
                offset = have;
                total = Long.parseLong(range.group(3));
            } else if (status == 200) {
                offset = 0;
                total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            } else if (status == 416) {
                // the partial file is not a prefix of this content: start over, never trust it
                truncate(partial, 0);
                return null;
            } else {
                failure(response, source, uri);
                return null;
            }
            truncate(partial, offset);
            progress.resumed(offset);
            long written = offset + append(body, partial, progress);
            if (total >= 0 && written != total) {
                throw new IOException("the connection ended after " + written + " of " + total + " bytes");
            }
            return new Downloaded(written, response.headers().firstValue("ETag").orElse(null));
        }
    }

    private static long append(InputStream body, Path partial, TransferProgress progress) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long count = 0;
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            for (int n; (n = body.read(buffer)) >= 0; ) {
                ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                count += n;
                progress.advance(n);
            }
            out.force(false);
        }
        return count;
    }

    private static void truncate(Path partial, long size) throws IOException {
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.truncate(size);
        }
    }

    /** Sends a GET, following redirects; the result is the first response that is not one. */
    private HttpResponse<InputStream> send(URI uri, String range, String ifRange, String source) throws IOException {
        URI current = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(current).GET().timeout(Duration.ofMinutes(10));
            if (token != null && sameOrigin(current)) {
                request.header("Authorization", "Bearer " + token);
            }
            if (range != null) {
                request.header("Range", range);
            }
            if (ifRange != null) {
                request.header("If-Range", ifRange);
            }
            HttpResponse<InputStream> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int status = response.statusCode();
            Optional<String> location = response.headers().firstValue("Location");
            if (status / 100 != 3 || status == 304 || location.isEmpty()) {
                return response;
            }
            response.body().close();
            current = current.resolve(location.get());
        }
        throw new TransportException(source + ": more than " + MAX_REDIRECTS + " redirects from " + describe(uri), true);
    }

    private boolean sameOrigin(URI uri) {
        return authorizedOrigin != null && authorizedOrigin.getScheme().equalsIgnoreCase(uri.getScheme())
                && authorizedOrigin.getHost().equalsIgnoreCase(uri.getHost()) && port(authorizedOrigin) == port(uri);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** Throws the failure that an unexpected status stands for: 5xx and 429 may pass, the rest will not. */
    private void failure(HttpResponse<?> response, String source, URI uri) throws TransportException {
        int status = response.statusCode();
        String where = source + ": HTTP " + status + " from " + describe(uri);
        switch (status) {
            case 401 -> throw new TransportException(where + " (not authorised: " + (token == null
                    ? "the repository is private or gated, set HF_TOKEN" : "HF_TOKEN is not accepted") + ")", true);
            case 403 -> throw new TransportException(where + " (forbidden: the token has no access; a gated"
                    + " repository must be accepted on its page first)", true);
            case 404 -> throw new TransportException(where + " (no such repository, revision or file)", true);
            default -> throw new TransportException(where, status < 500 && status != 429 && status != 408);
        }
    }

    private void pause(int attempt, Exception e, String source) throws TransportException {
        Duration wait = retry.backoff(attempt);
        System.err.printf("fetch: %s: try %d of %d failed (%s); retrying in %.1f s%n", source, attempt,
                retry.attempts(), e.getMessage(), wait.toMillis() / 1000.0);
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new TransportException(source + ": interrupted while waiting to retry", false, interrupted);
        }
    }

    /** scheme://host/path of uri: no user info, no query (signed CDN URLs), no fragment. */
    static String describe(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + uri.getRawPath();
    }
}
