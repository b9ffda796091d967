package dev.plrd.transport.fetch;

import java.net.URI;
import java.util.Map;

/**
 * Where the Hugging Face Hub answers and the token it gets: {@code HF_ENDPOINT} (a mirror or an
 * air-gapped proxy; default {@code https://huggingface.co}) and {@code HF_TOKEN}, the variables
 * huggingface_hub reads. The token is never part of {@link #toString()}.
 */
public record HubEndpoint(URI endpoint, String token) {
    public static final String DEFAULT = "https://huggingface.co";

    public HubEndpoint {
        String text = endpoint.toString();
        endpoint = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        token = token == null || token.isBlank() ? null : token.strip();
    }

    public static HubEndpoint fromEnvironment(Map<String, String> env) {
        String endpoint = env.getOrDefault("HF_ENDPOINT", "");
        URI uri;
        try {
            uri = URI.create(endpoint.isBlank() ? DEFAULT : endpoint.strip());
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
                || uri.getUserInfo() != null || uri.getQuery() != null) {
            // a URL with a user name and password is not echoed: it may hold the very credential
            String shown = endpoint.contains("@") ? "(a URL with credentials)" : endpoint;
            throw new IllegalArgumentException("HF_ENDPOINT " + shown + ": expected https://HOST[:PORT][/PATH]"
                    + " without credentials or query");
        }
        return new HubEndpoint(uri, env.get("HF_TOKEN"));
    }

    @Override
    public String toString() {
        return endpoint + (token == null ? " (anonymous)" : " (with HF_TOKEN)");
    }
}
