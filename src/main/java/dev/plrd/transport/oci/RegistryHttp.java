package dev.plrd.transport.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.transport.Retry;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One exchange with a repository of a registry (distribution API v2): it adds the Authorization the
 * registry asked for (answering a 401 challenge once), follows a blob redirect to storage without
 * the registry's credentials, and turns failures into {@link TransportException}s: a refused
 * connection, a reset, a 5xx or a 429 may pass (not permanent, for {@link Retry}); a 401 or
 * 403 after the credentials were presented will not. Messages name the registry, the repository and
 * the status, never a credential.
 */
final class RegistryHttp {
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final Map<Integer, String> REASONS = Map.of(400, "Bad Request", 401, "Unauthorized",
            403, "Forbidden", 404, "Not Found", 405, "Method Not Allowed", 416, "Range Not Satisfiable",
            429, "Too Many Requests", 500, "Internal Server Error", 502, "Bad Gateway", 503, "Service Unavailable");
    /** The registry's error body is read to name its error codes; no more than this of it. */
    private static final int ERROR_BODY_LIMIT = 8192;

    private final HttpClient client;
    private final String base;
    private final String registry;
    private final String repository;
    private final RegistryAuth auth;

    RegistryHttp(HttpClient client, boolean plainHttp, String registry, String repository, RegistryAuth auth) {
        this.client = client;
        this.base = (plainHttp ? "http://" : "https://") + registry + "/v2/" + repository + "/";
        this.registry = registry;
        this.repository = repository;
        this.auth = auth;
    }

    /** The URI of a path below {@code /v2/<repository>/}. */
    URI uri(String path) {
        return URI.create(base + path);
    }

    /** A Location header, which may be relative to the registry. */
    URI resolve(String location) {
        return URI.create(base).resolve(location);
    }

    /**
     * Sends the request (built afresh from {@code request} on each try), authorized for pulling, or for
     * pushing when {@code push}. Returns any answer but 401, 403, 429 and 5xx; the caller reads or closes its body.
     */
    HttpResponse<InputStream> send(HttpRequest.Builder request, boolean push, String what) throws IOException {
        String scope = "repository:" + repository + ":" + (push ? "pull,push" : "pull");
        HttpResponse<InputStream> response = exchange(request, scope, what);
        if (response.statusCode() == 401) {
            List<String> challenges = response.headers().allValues("WWW-Authenticate");
            discard(response);
            if (auth.answer(challenges, scope)) {
                response = exchange(request, scope, what);
            }
        }
        String location = response.headers().firstValue("Location").orElse(null);
        if (REDIRECTS.contains(response.statusCode()) && location != null
                && request.copy().build().method().matches("GET|HEAD")) {
            discard(response);
            // the redirect leads to the registry's storage (a signed URL): it must not get the registry's Authorization
            response = exchange(request.copy().uri(resolve(location)), null, what);
        }
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            discard(response);
            throw new TransportException("registry " + registry + " refused repository " + repository + " (" + what
                    + "): " + statusLine(status) + " (check publish.credentialsSecret)", true);
        }
        if (status >= 500 || status == 429) {
            throw failure(response, what);
        }
        return response;
    }

    /** The failure an unexpected answer stands for, naming the registry's error codes; reads and closes its body. */
    TransportException failure(HttpResponse<InputStream> response, String what) {
        int status = response.statusCode();
        String errors = errorCodes(response);
        boolean permanent = status >= 400 && status < 500 && status != 429;
        return new TransportException("registry " + registry + " answered " + statusLine(status) + errors + " to "
                + what + " in repository " + repository, permanent);
    }

    String registry() {
        return registry;
    }

    String repository() {
        return repository;
    }

    static String statusLine(int status) {
        return status + " " + REASONS.getOrDefault(status, status >= 500 ? "Server Error" : "");
    }

    private HttpResponse<InputStream> exchange(HttpRequest.Builder request, String scope, String what)
            throws IOException {
        HttpRequest.Builder attempt = request.copy();
        if (scope != null) {
            auth.authorization(scope).ifPresent(value -> attempt.setHeader("Authorization", value));
        }
        try {
            return client.send(attempt.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted during " + what);
        } catch (IOException e) {
            throw new TransportException("registry " + registry + " could not be reached for " + what + " in repository "
                    + repository + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), false, e);
        }
    }

    private static String errorCodes(HttpResponse<InputStream> response) {
        List<String> codes = new ArrayList<>();
        try (InputStream body = response.body()) {
            JsonNode root = new ObjectMapper().readTree(body.readNBytes(ERROR_BODY_LIMIT));
            for (JsonNode error : root == null ? List.<JsonNode>of() : root.path("errors")) {
                codes.add(error.path("code").asText("?"));
            }
        } catch (IOException e) {
            // an unreadable or non-JSON error body: the status says enough
        }
        return codes.isEmpty() ? "" : " " + codes;
    }

    static void discard(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            body.skip(Long.MAX_VALUE);
        } catch (IOException e) {
            // the body of an answer already judged by its status: nothing to keep from it
        }
    }
}
