package dev.plrd.api;

/**
 * The CEL rules of the ModelFamily CRD, written once. They are compile-time constants so the
 * same text lands in the generated CRD ({@code x-kubernetes-validations}) and is evaluated by
 * {@link SchemaValidator} outside a cluster; the messages are therefore identical by construction.
 */
public final class SpecRules {
    private SpecRules() {
    }

    /** A count such as {@code 3.1B}, {@code 500M} or {@code 7000000}. */
    static final String COUNT_PATTERN = "^[0-9]+(\\\\.[0-9]+)?[KMBT]?$";

    /** CEL that turns a count string {@code x} (already matching {@link #COUNT_PATTERN}) into a double. */
    private static final String COUNT_OF_X = "(double(x.matches('[KMBT]$') ? x.substring(0, x.size() - 1) : x)"
            + " * (x.endsWith('K') ? 1e3 : x.endsWith('M') ? 1e6 : x.endsWith('B') ? 1e9 : x.endsWith('T') ? 1e12 : 1.0))";

    /** At least one, and at most 1000T so that every count fits a Java long. */
    public static final String COUNT = "self.matches('" + COUNT_PATTERN + "') && [self].all(x, " + COUNT_OF_X
            + " >= 1.0 && " + COUNT_OF_X + " <= 1e15)";
    public static final String COUNT_MESSAGE =
            "must be a count from 1 to 1000T such as 3.1B, 500M or 7000000 (suffix K, M, B or T)";

    public static final String DNS_LABEL = "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')";
    public static final String DNS_LABEL_MESSAGE =
            "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit";

    public static final String ONE_SIZE = "has(self.targetParameters) != has(self.rankFraction)";
    public static final String ONE_SIZE_MESSAGE = "must set exactly one of targetParameters or rankFraction";

    public static final String OPEN_UNIT_INTERVAL = "self > 0.0 && self < 1.0";
    public static final String OPEN_UNIT_INTERVAL_MESSAGE = "must be greater than 0 and less than 1";

    public static final String UNIQUE_NAMES = "self.all(m, self.exists_one(n, n.name == m.name))";
    public static final String UNIQUE_NAMES_MESSAGE = "member names must be unique";

    public static final String SAME_SIZING = "self.all(m, has(m.targetParameters)) || self.all(m, has(m.rankFraction))";
    public static final String SAME_SIZING_MESSAGE =
            "members must all set targetParameters or all set rankFraction, so that their sizes can be compared";

    /**
     * Strictly decreasing sizes. Sorted in descending order ({@code isSorted} of the negated sizes,
     * from the Kubernetes list library) plus no repeated size. Mixed or malformed sizings are left
     * to the rules above so that each mistake is reported once.
     */
    public static final String DECREASING = "self.all(m, has(m.rankFraction))"
            + " ? (self.map(m, -m.rankFraction).isSorted()"
            + " && self.all(m, self.exists_one(n, n.rankFraction == m.rankFraction)))"
            + " : !self.all(m, has(m.targetParameters) && m.targetParameters.matches('" + COUNT_PATTERN + "'))"
            + " || (self.map(m, [m.targetParameters].map(x, -" + COUNT_OF_X + ")[0]).isSorted()"
            + " && self.all(m, self.exists_one(n, n.targetParameters == m.targetParameters)))";
    public static final String DECREASING_MESSAGE =
            "members must be ordered from largest to smallest, each strictly smaller than the one before";

    public static final String MODEL_URI = "self.matches('^(hf|oci|s3|pvc|file)://.+')";
    public static final String MODEL_URI_MESSAGE = "must be a URI with scheme hf://, oci://, s3://, pvc:// or file://";

    public static final String DATA_URI = "self.matches('^(hf|s3|pvc|file|https)://.+')";
    public static final String DATA_URI_MESSAGE = "must be a URI with scheme hf://, s3://, pvc://, file:// or https://";

    public static final String DURATION = "self.matches('^([0-9]+[hms])+$')";
    public static final String DURATION_MESSAGE = "must be a duration such as 45m, 2h or 1h30m";

    public static final String QUANTITY = "self.matches('^[0-9]+(\\\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$')";
    public static final String QUANTITY_MESSAGE = "must be a Kubernetes quantity such as 8, 500m or 64Gi";

    public static final String REPOSITORY = "self.matches('^[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$')";
    public static final String REPOSITORY_MESSAGE =
            "must be a registry repository such as registry.example.com/team/models, without scheme, tag or digest";
}
