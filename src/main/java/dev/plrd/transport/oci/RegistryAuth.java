package dev.plrd.transport.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers a registry's 401 challenges: HTTP Basic with the credentials, or the token-service flow
 * ({@code WWW-Authenticate: Bearer realm=...,service=...,scope=...}: ask the realm for a token for
 * the scope, with the credentials if any, and present it as a Bearer token). Tokens are kept per
 * scope until shortly before they expire, so a push asks the token service once, not per blob.
 */
final class RegistryAuth {
    private static final Pattern PARAMETER = Pattern.compile("([A-Za-z_]+)=(?:\"([^\"]*)\"|([^,\\s]*))");
    /** Tokens without expires_in last 60 s (the token spec's default); renew a little early. */
    private static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);
    private static final Duration MARGIN = Duration.ofSeconds(10);

    private record Token(String value, Instant renewAfter) {
    }

    private final HttpClient client;
    private final RegistryCredentials credentials;
    private final String registry;
    private final String repository;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private volatile boolean basic;

    RegistryAuth(HttpClient client, RegistryCredentials credentials, String registry, String repository) {
        this.client = client;
        this.credentials = credentials;
        this.registry = registry;
        this.repository = repository;
    }

    /** The Authorization header for a request needing {@code scope}, when one is known. */
    Optional<String> authorization(String scope) {
        Token token = tokens.get(scope);
        if (token != null && Instant.now().isBefore(token.renewAfter())) {
            return Optional.of("Bearer " + token.value());
        }
        return basic ? Optional.of(credentials.basicAuthorization()) : Optional.empty();
    }

    /**
     * Takes the challenges of a 401 to a request needing {@code scope}; true when there is something
     * new to present, so that the request is worth sending again.
     */
    boolean answer(List<String> challenges, String scope) throws IOException {
        Map<String, String> bearer = challenge(challenges, "bearer");
        if (bearer != null) {
            tokens.put(scope, fetchToken(bearer, scope));
            return true;
        }
        if (challenge(challenges, "basic") != null && credentials.hasPassword() && !basic) {
            basic = true;
            return true;
        }
        return false;
    }

    /** The parameters of the first challenge of the scheme, or null. */
    static Map<String, String> challenge(List<String> challenges, String scheme) {
        for (String header : challenges) {
            String trimmed = header.trim();
            int space = trimmed.indexOf(' ');
            String name = space < 0 ? trimmed : trimmed.substring(0, space);
            if (name.toLowerCase(Locale.ROOT).equals(scheme)) {
                Map<String, String> parameters = new LinkedHashMap<>();
                Matcher m = PARAMETER.matcher(space < 0 ? "" : trimmed.substring(space + 1));
                while (m.find()) {
                    parameters.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2) != null ? m.group(2) : m.group(3));
                }
                return parameters;
            }
        }
        return null;
    }

    private Token fetchToken(Map<String, String> challenge, String scope) throws IOException {
        String realm = challenge.get("realm");
        URI realmUri;
        try {
            realmUri = realm == null ? null : URI.create(realm);
        } catch (IllegalArgumentException e) {
            realmUri = null;
        }
        if (realmUri == null || realmUri.getScheme() == null || !realmUri.getScheme().matches("https?")) {
            throw new TransportException("registry " + registry + " asked for a token for repository " + repository
                    + " without an http(s) realm in its challenge", true);
        }
        String wanted = challenge.getOrDefault("scope", scope);
        StringBuilder query = new StringBuilder();
        if (challenge.containsKey("service")) {
            query.append("service=").append(encode(challenge.get("service")));
        }
        // a challenge may ask for several scopes (a mount needs pull on the other repository): one parameter each
        for (String one : wanted.trim().split("\\s+")) {
            query.append(query.isEmpty() ? "" : "&").append("scope=").append(encode(one));
        }
        HttpRequest request;
        if (credentials.identityToken() != null) {
            // an identity token is an OAuth2 refresh token: the token endpoint takes it in a POST form
            request = HttpRequest.newBuilder(realmUri).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(query + "&grant_type=refresh_token&client_id=plrd"
                            + "&refresh_token=" + encode(credentials.identityToken())))
                    .build();
        } else {
            String separator = realmUri.getRawQuery() == null ? "?" : "&";
            HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(realm + separator + query)).GET();
            if (credentials.hasPassword()) {
                get.header("Authorization", credentials.basicAuthorization());
            }
            request = get.build();
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while asking " + realmUri.getHost() + " for a token");
        } catch (IOException e) {
            throw new TransportException("token service " + realmUri.getHost() + " for registry " + registry
                    + " could not be reached: " + e.getClass().getSimpleName(), false, e);
        }
        int status = response.statusCode();
        if (status != 200) {
            boolean retryable = status >= 500 || status == 429;
            throw new TransportException("token service " + realmUri.getHost() + " refused a token for repository "
                    + repository + " of registry " + registry + ": " + RegistryHttp.statusLine(status)
                    + (retryable ? "" : " (check publish.credentialsSecret)"), !retryable);
        }
        JsonNode body;
        try {
            body = new ObjectMapper().readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        JsonNode token = body == null ? null : body.hasNonNull("token") ? body.get("token") : body.get("access_token");
        if (token == null || !token.isTextual() || token.asText().isEmpty()) {
            throw new TransportException("token service " + realmUri.getHost() + " answered without a token for"
                    + " repository " + repository + " of registry " + registry, true);
        }
        long seconds = body.path("expires_in").asLong(0);
        Duration lifetime = seconds > 0 ? Duration.ofSeconds(seconds) : DEFAULT_LIFETIME;
        Duration margin = lifetime.dividedBy(2).compareTo(MARGIN) < 0 ? lifetime.dividedBy(2) : MARGIN;
        return new Token(token.asText(), Instant.now().plus(lifetime.minus(margin)));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
