package dev.plrd.transport.oci;

import dev.plrd.transport.TransportException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * What a client presents to one registry: a user name and password (HTTP Basic, or to the token
 * service), an identity token (an OAuth2 refresh token for the token service), or nothing. Read from
 * a Docker config JSON, as a {@code kubernetes.io/dockerconfigjson} Secret mounted in the pod gives it
 * ({@code $DOCKER_CONFIG/config.json}). {@link #toString()} never shows a secret, so that a
 * credential cannot reach a log or a message by accident.
 */
public record RegistryCredentials(String username, String password, String identityToken) {
    /** No credentials: anonymous access. */
    public static final RegistryCredentials ANONYMOUS = new RegistryCredentials(null, null, null);

    /** The environment variable naming the directory of {@code config.json}, as the Docker CLI reads it. */
    public static final String DOCKER_CONFIG_ENV = "DOCKER_CONFIG";

    public boolean anonymous() {
        return !hasPassword() && identityToken == null;
    }

    public boolean hasPassword() {
        return username != null && password != null;
    }

    /** The value of an HTTP Basic Authorization header; only when {@link #hasPassword()}. */
    String basicAuthorization() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The credentials for {@code registry} (host[:port]) from {@code $DOCKER_CONFIG/config.json}, or
     * {@code ~/.docker/config.json} when the variable is unset; anonymous when the file or its entry is absent.
     */
    public static RegistryCredentials fromEnvironment(String registry) throws IOException {
        String dir = System.getenv(DOCKER_CONFIG_ENV);
        Path config = dir != null && !dir.isBlank() ? Path.of(dir, "config.json")
                : Path.of(System.getProperty("user.home"), ".docker", "config.json");
        return fromDockerConfig(config, registry);
    }

    /** The entry of {@code auths} for {@code registry} in a Docker config JSON; anonymous when there is none. */
    public static RegistryCredentials fromDockerConfig(Path config, String registry) throws IOException {
        if (!Files.isRegularFile(config)) {
            return ANONYMOUS;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(config.toFile());
        } catch (IOException e) {
            // Jackson's message may quote the file's content, which holds secrets: name the file only
            throw new TransportException(config + ": not a Docker config JSON file (expected {\"auths\": {...}})", true);
        }
        JsonNode auths = root == null ? null : root.get("auths");
        if (auths == null || !auths.isObject()) {
            return ANONYMOUS;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (hostOf(entry.getKey()).equalsIgnoreCase(registry)) {
                return fromEntry(entry.getValue(), config + ": auths." + entry.getKey());
            }
        }
        return ANONYMOUS;
    }

    private static RegistryCredentials fromEntry(JsonNode entry, String where) throws TransportException {
        String identityToken = text(entry, "identitytoken");
        String username = text(entry, "username");
        String password = text(entry, "password");
        String auth = text(entry, "auth");
        if (auth != null && username == null) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new TransportException(where + ".auth: expected the base64 of user:password", true);
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new TransportException(where + ".auth: expected the base64 of user:password", true);
            }
            username = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        if (username != null && password == null && identityToken == null) {
            throw new TransportException(where + ": username without password (expected auth, or username and"
                    + " password)", true);
        }
        return new RegistryCredentials(username, password, identityToken);
    }

    private static String text(JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        return value == null || !value.isTextual() || value.asText().isEmpty() ? null : value.asText();
    }

    /** The Docker CLI writes keys as a host, a URL ({@code https://host/v1/}) or host:port: compare hosts. */
    private static String hostOf(String key) {
        String host = key.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
        int slash = host.indexOf('/');
        return slash >= 0 ? host.substring(0, slash) : host;
    }

    @Override
    public String toString() {
        return anonymous() ? "anonymous" : hasPassword() ? "password credentials" : "identity token";
    }
}
