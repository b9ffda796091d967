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
        try {
            return new HubEndpoint(URI.create(endpoint.isBlank() ? DEFAULT : endpoint.strip()), env.get("HF_TOKEN"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("HF_ENDPOINT " + endpoint + ": not a URL (expected https://HOST)", e);
        }
    }

    @Override
    public String toString() {
        return endpoint + (token == null ? " (anonymous)" : " (with HF_TOKEN)");
    }
}
