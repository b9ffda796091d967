package dev.plrd.transport.modelpack;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The lineage and evaluation annotations of a member's manifest, from what earlier stages reported. */
public final class MemberAnnotations {
    private MemberAnnotations() {
    }

    /** {@code scheme://user:secret@} at the start of a URI: credentials, which never go into an artifact. */
    private static final Pattern USER_INFO = Pattern.compile("^([a-z][a-z0-9+.-]*://)[^/@]*@");

    /**
     * The first member's lineage: the base as the planner names it, {@code URI} or {@code URI@REVISION}
     * (the revision is what follows the last {@code @}, when no {@code /} follows it). User information
     * in the URI is left out.
     */
    public static Map<String, String> base(String plannedBase) {
        String baseId = USER_INFO.matcher(plannedBase).replaceFirst("$1");
        Map<String, String> annotations = new LinkedHashMap<>();
        int at = baseId.lastIndexOf('@');
        boolean revised = at > 0 && at < baseId.length() - 1 && baseId.indexOf('/', at) < 0;
        annotations.put(ModelPackAnnotations.BASE_URI, revised ? baseId.substring(0, at) : baseId);
        if (revised) {
            annotations.put(ModelPackAnnotations.BASE_REVISION, baseId.substring(at + 1));
        }
        return annotations;
    }

    /** A later member's lineage: the published parent's manifest digest and reference. */
    public static Map<String, String> parent(String uri, String digest) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(ModelPackAnnotations.PARENT_DIGEST, digest);
        if (uri != null) {
            annotations.put(ModelPackAnnotations.PARENT_URI, uri);
        }
        return annotations;
    }

    /**
     * The member's perplexity, and its parent's and their ratio when the evaluation measured the parent too;
     * measuredOn starts with the dataset's URI, whose user information is left out.
     */
    public static Map<String, String> evaluation(double perplexity, Double parentPerplexity, String measuredOn) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(ModelPackAnnotations.PERPLEXITY, number(perplexity));
        if (parentPerplexity != null && parentPerplexity > 0) {
            annotations.put(ModelPackAnnotations.PARENT_PERPLEXITY, number(parentPerplexity));
            annotations.put(ModelPackAnnotations.PERPLEXITY_RATIO,
                    String.format(Locale.ROOT, "%.4f", perplexity / parentPerplexity));
        }
        if (measuredOn != null) {
            annotations.put(ModelPackAnnotations.MEASURED_ON, USER_INFO.matcher(measuredOn).replaceFirst("$1"));
        }
        return annotations;
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}
