package dev.plrd.operator;

import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.Violation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/**
 * Which stage images a ModelFamily may ask for. A ModelFamily's author chooses spec.image, and the
 * operator runs it with the Secrets the spec names: without a limit, creating a ModelFamily would
 * be as good as creating any pod in that namespace. The operator's administrator lists the
 * allowed image prefixes (PLRD_WORKER_ALLOWED_IMAGE_PREFIXES); by default only the repository of
 * the operator's own worker image is allowed.
 */
@ApplicationScoped
public class ImagePolicy {
    static final String SETTING = "PLRD_WORKER_ALLOWED_IMAGE_PREFIXES";

    private final List<String> prefixes;

    @Inject
    public ImagePolicy(OperatorConfig config) {
        this(config.worker().allowedImagePrefixes().orElseGet(() -> List.of(repository(config.worker().image()))));
    }

    ImagePolicy(List<String> prefixes) {
        for (String p : prefixes) {
            if (p.isBlank() || p.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException(SETTING + ": an image prefix must be non-empty and have no spaces, "
                        + "got '" + p + "'");
            }
        }
        this.prefixes = List.copyOf(prefixes);
    }

    /** spec.image outside the allowed prefixes; the worker image (spec.image unset) is always allowed. */
    public List<Violation> violations(ModelFamilySpec spec) {
        if (spec.image == null || allowed(spec.image)) {
            return List.of();
        }
        return List.of(new Violation("spec.image", "'" + spec.image + "' is not an image this operator runs: it "
                + "must start with one of " + String.join(", ", prefixes) + " (the operator's " + SETTING + ")"));
    }

    boolean allowed(String image) {
        return prefixes.stream().anyMatch(p -> image.startsWith(p) && endsAtBoundary(p, image.substring(p.length())));
    }

    /**
     * A prefix matches whole names only: registry.io/team admits registry.io/team/model and
     * registry.io/team:tag, never registry.io/team-evil/model. A tag or digest separator ends a
     * repository, not a registry host: registry.io does not admit registry.io:5000/model. Path
     * traversal ("..") after the prefix is never admitted.
     */
    private static boolean endsAtBoundary(String prefix, String rest) {
        if (rest.contains("..")) {
            return false;
        }
        if (rest.isEmpty() || "/:@".indexOf(prefix.charAt(prefix.length() - 1)) >= 0) {
            return true;
        }
        char next = rest.charAt(0);
        return next == '/' || (next == ':' || next == '@') && prefix.contains("/");
    }

    /** The repository of an image reference: without its digest and tag (a port is not a tag). */
    static String repository(String image) {
        String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int colon = name.lastIndexOf(':');
        return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
    }
}
