package dev.plrd.transport.fetch;

import dev.plrd.transport.Retry;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GET requests with what every fetch needs: the bearer token only for the origin it belongs to
 * (a redirect to a CDN host loses it, as browsers and huggingface_hub do), redirects followed by
 * hand for that reason, retries of 5xx, 429 and dropped connections within a {@link Retry},
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
    private final Retry retry;

    /** token goes to requests for authorizedOrigin's scheme, host and port only; both may be null. */
    HttpTransfer(URI authorizedOrigin, String token, Retry retry) {
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

    Text getText(URI uri, String source) throws IOException {
        return retry.run(source + ": " + describe(uri), () -> mayPass(uri, source, () -> {
            HttpResponse<String> response = send(uri, null, null, source, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                failure(response, source, uri);
            }
            return new Text(response.body(), response);
        }));
    }

    /** What a download learnt: the file's total size, its ETag when the server sent one, its digest when asked for. */
    record Downloaded(long size, String etag, String digest) {
    }

    /**
     * Completes partial with the content of uri: from its current length with {@code Range: bytes=N-}
     * (guarded by {@code If-Range: ifRange} when given), or from the start when the server sends
     * the whole file. Retries resume from wherever the last try stopped. expectedSize (or -1)
     * detects a body that ended early. With a digest, the whole file's is computed on the way (a
     * resumed prefix is read back from disk for it) and returned for the caller to compare.
     */
    Downloaded download(URI uri, Path partial, long expectedSize, String ifRange, ContentDigest digest, String source,
            TransferProgress progress) throws IOException {
        return retry.run(source + ": " + describe(uri), () -> mayPass(uri, source, () -> {
            long have = Files.exists(partial) ? Files.size(partial) : 0;
            if (expectedSize >= 0 && have > expectedSize) {
                truncate(partial, 0);
                have = 0;
            }
            Body body = new Body(partial, have, expectedSize, digest, progress);
            HttpResponse<Long> response = send(uri, have > 0 ? "bytes=" + have + "-" : null,
                    have > 0 ? ifRange : null, source, body);
            Downloaded done = received(response, body, uri, partial, source);
            if (done == null) {
                throw new TransportException(source + ": " + describe(uri) + " refused the range (HTTP 416); the file"
                        + " starts again", false);
            }
            if (expectedSize >= 0 && done.size() != expectedSize) {
                throw new TransportException(source + ": " + describe(uri) + " has " + done.size()
                        + " bytes, the listing says " + expectedSize, true);
            }
            return done;
        }));
    }

    /** One try of an exchange; its own failures are what they say, any other I/O failure (a reset) may pass. */
    private interface Exchange<T> {
        T run() throws IOException;
    }

    private static <T> T mayPass(URI uri, String source, Exchange<T> exchange) throws TransportException {
        try {
            return exchange.run();
        } catch (TransportException e) {
            throw e;
        } catch (IOException | UncheckedIOException e) {
            throw new TransportException(source + ": " + describe(uri) + ": " + e, false, e);
        }
    }

    /**
     * Where a response body goes: after the bytes partial holds for a 206 whose Content-Range starts there,
     * over the whole file for a 200, nowhere for anything else (redirects, errors, a range that does not fit).
     */
    private static final class Body implements HttpResponse.BodyHandler<Long> {
        private final Path partial;
        private final long have;
        private final long expectedSize;
        private final ContentDigest digest;
        private final TransferProgress progress;
        private long offset = -1;
        private long total = -1;
        private MessageDigest running;

        Body(Path partial, long have, long expectedSize, ContentDigest digest, TransferProgress progress) {
            this.partial = partial;
            this.have = have;
            this.expectedSize = expectedSize;
            this.digest = digest;
            this.progress = progress;
        }

        @Override
        public HttpResponse.BodySubscriber<Long> apply(HttpResponse.ResponseInfo info) {
            if (info.statusCode() == 200) {
                offset = 0;
                total = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            } else if (info.statusCode() == 206) {
                Matcher range = CONTENT_RANGE.matcher(info.headers().firstValue("Content-Range").orElse(""));
                if (!range.matches() || Long.parseLong(range.group(1)) != have || range.group(3).equals("*")) {
                    return HttpResponse.BodySubscribers.replacing(-1L);
                }
                offset = have;
                total = Long.parseLong(range.group(3));
            } else {
                return HttpResponse.BodySubscribers.replacing(-1L);
            }
            try {
                FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                try {
                    channel.truncate(offset);
                    channel.position(offset);
                    if (digest != null) {
                        running = digest.begin(expectedSize >= 0 ? expectedSize : total);
                        try (InputStream prefix = Files.newInputStream(partial)) {
                            ContentDigest.update(running, prefix, offset);
                        }
                    }
                } catch (IOException e) {
                    channel.close();
                    throw e;
                }
                progress.resumed(offset);
                return new FileBodySubscriber(channel, running, progress);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The outcome of a try: the file complete, null when it must be repeated from scratch (416), or a failure. */
    private Downloaded received(HttpResponse<Long> response, Body body, URI uri, Path partial, String source)
            throws IOException {
        int status = response.statusCode();
        if (status == 416) {
            // the partial file is not a prefix of this content: start over, never trust it
            truncate(partial, 0);
            return null;
        }
        if (status == 206 && body.offset < 0) {
            truncate(partial, 0);
            throw new IOException("unusable Content-Range "
                    + response.headers().firstValue("Content-Range").orElse("(none)") + " for bytes=" + body.have + "-");
        }
        if (status != 200 && status != 206) {
            failure(response, source, uri);
        }
        long size = body.offset + response.body();
        if (body.total >= 0 && size != body.total) {
            throw new IOException("the connection ended after " + size + " of " + body.total + " bytes");
        }
        return new Downloaded(size, response.headers().firstValue("ETag").orElse(null),
                body.running == null ? null : ContentDigest.hex(body.running));
    }

    private static void truncate(Path partial, long size) throws IOException {
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.truncate(size);
        }
    }

    /** Sends a GET, following redirects; the result is the first response that is not one. */
    private <T> HttpResponse<T> send(URI uri, String range, String ifRange, String source,
            HttpResponse.BodyHandler<T> handler) throws IOException {
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
            HttpResponse<T> response;
            try {
                response = client.send(request.build(), handler);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int status = response.statusCode();
            Optional<String> location = response.headers().firstValue("Location");
            if (status / 100 != 3 || status == 304 || location.isEmpty()) {
                return response;
            }
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
            case 401 -> throw new TransportException(where + (authorizedOrigin == null ? " (not authorised)"
                    : token == null ? " (not authorised: the repository is private or gated, set HF_TOKEN)"
                    : " (not authorised: HF_TOKEN is not accepted)"), true);
            case 403 -> throw new TransportException(where + " (forbidden: the token has no access; a gated"
                    + " repository must be accepted on its page first)", true);
            case 404 -> throw new TransportException(where + " (no such repository, revision or file)", true);
            default -> throw new TransportException(where, status < 500 && status != 429 && status != 408);
        }
    }

    /** scheme://host/path of uri: no user info, no query (signed CDN URLs), no fragment. */
    static String describe(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + uri.getRawPath();
    }
}
