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

    /** CEL that holds when the list of numbers {@code s} is strictly decreasing: sorted descending, no value twice. */
    private static final String STRICTLY_DECREASING_S = "s.map(v, -v).isSorted() && s.all(v, s.exists_one(w, w == v))";

    /**
     * Strictly decreasing sizes, compared as numbers ({@code 3B} and {@code 3000M} are the same
     * size). The sizes are mapped to numbers once and bound to {@code s}; {@code isSorted} comes
     * from the Kubernetes list library. Mixed or malformed sizings are left to the rules above so
     * that each mistake is reported once.
     */
    public static final String DECREASING = "self.all(m, has(m.rankFraction))"
            + " ? [self.map(m, m.rankFraction)].all(s, " + STRICTLY_DECREASING_S + ")"
            + " : !self.all(m, has(m.targetParameters) && m.targetParameters.matches('" + COUNT_PATTERN + "'))"
            + " || [self.map(m, [m.targetParameters].map(x, " + COUNT_OF_X + ")[0])].all(s, "
            + STRICTLY_DECREASING_S + ")";
    public static final String DECREASING_MESSAGE =
            "members must be ordered from largest to smallest, each strictly smaller than the one before";

    /**
     * The family's own name. Root-level rules may read only metadata.name; the API server already
     * requires a DNS-1123 subdomain, and this narrows it to a label: the name begins every Job
     * name and is the value of the family label on Jobs, pods and the workspace claim.
     */
    public static final String FAMILY_NAME = "!has(self.metadata.name)"
            + " || (self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'))";
    public static final String FAMILY_NAME_MESSAGE = "metadata.name must be a DNS-1123 label of at most 63 characters:"
            + " lowercase letters, digits and '-', starting and ending with a letter or digit";

    // The URIs below reach worker command lines: printable ASCII without spaces after the scheme.
    public static final String MODEL_URI = "self.matches('^(hf|oci|s3|pvc|file)://[!-~]+$')";
    public static final String MODEL_URI_MESSAGE =
            "must be a URI with scheme hf://, oci://, s3://, pvc:// or file://, without spaces";

    public static final String DATA_URI = "self.matches('^(hf|s3|pvc|file|https)://[!-~]+$')";
    public static final String DATA_URI_MESSAGE =
            "must be a URI with scheme hf://, s3://, pvc://, file:// or https://, without spaces";

    /** A commit, tag, branch or digest; never a leading '-' (an option) or '@' (an argument file), never '..'. */
    /**
     * A revision pins what a Hub base's branch or tag points at, or an OCI base to one manifest; an S3 prefix, a claim
     * or a local path has nothing to pin it to, so a revision there would be silently ignored.
     */
    public static final String REVISION_SCHEME = "!has(self.revision) || self.uri.startsWith('hf://')"
            + " || (self.uri.startsWith('oci://') && self.revision.matches('^sha256:[a-f0-9]{64}$'))";
    public static final String REVISION_SCHEME_MESSAGE = "revision applies to an hf:// base (a commit, tag or branch)"
            + " or an oci:// base (a digest sha256:<64 hex digits>); remove it for s3://, pvc:// and file:// bases";

    public static final String REVISION = "self.matches('^[A-Za-z0-9][-A-Za-z0-9._/:]*$') && !self.contains('..')";
    public static final String REVISION_MESSAGE = "must be a commit, tag, branch or digest: letters, digits, '.', '_',"
            + " '-', '/' and ':', starting with a letter or digit, without '..'";

    public static final String DURATION = "self.matches('^([0-9]+[hms])+$')";
    public static final String DURATION_MESSAGE = "must be a duration such as 45m, 2h or 1h30m";

    /** A quantity with a non-zero digit: a zero size, CPU or memory is never what was meant. */
    public static final String QUANTITY = "self.matches('^[0-9]+(\\\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$')"
            + " && self.matches('[1-9]')";
    public static final String QUANTITY_MESSAGE = "must be a Kubernetes quantity greater than 0 such as 8, 500m or 64Gi";

    /**
     * A registry repository, or an OCI image layout directory ({@code oci-layout://PATH}, a relative PATH lying in the
     * workspace) for a family published on one machine. The layout path has no ':' or '@' (they would read as a tag
     * or digest) and no '..' (it stays inside the workspace).
     */
    public static final String REPOSITORY = "self.matches('^[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$')"
            + " || (self.matches('^oci-layout://[-A-Za-z0-9._/]+$') && !self.contains('..'))";
    public static final String REPOSITORY_MESSAGE =
            "must be a registry repository such as registry.example.com/team/models, without scheme, tag or digest,"
                    + " or oci-layout://PATH (an OCI image layout directory; a relative PATH lies in the workspace):"
                    + " letters, digits, '.', '_', '-' and '/', without '..'";

    /** An image reference: registry and path, then an optional tag and an optional sha256 digest. */
    public static final String IMAGE = "self.matches('^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]+)?"
            + "(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][-A-Za-z0-9_.]{0,127})?(@sha256:[a-f0-9]{64})?$')";
    public static final String IMAGE_MESSAGE =
            "must be an image reference such as ghcr.io/org/plrd:0.1 or ghcr.io/org/plrd@sha256:<64 hex digits>";

    /** Also a Java regular expression: it has no backslash for CEL to unescape. */
    static final String DNS_SUBDOMAIN_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /** Names of Secrets, PriorityClasses, StorageClasses and Kueue LocalQueues. */
    public static final String DNS_SUBDOMAIN = "self.matches('" + DNS_SUBDOMAIN_PATTERN + "')";
    public static final String DNS_SUBDOMAIN_MESSAGE = "must be a DNS-1123 subdomain: lowercase letters, digits, '-'"
            + " and '.', starting and ending with a letter or digit";

    private static final String LABEL_VALUE_PATTERN = "^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$";
    private static final String LABEL_KEY_PATTERN = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
            + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

    /** A label value; the field also carries maxLength 63. */
    public static final String LABEL_VALUE = "self.matches('" + LABEL_VALUE_PATTERN + "')";
    public static final String LABEL_VALUE_MESSAGE = "must be a label value: letters, digits, '-', '_' and '.',"
            + " starting and ending with a letter or digit";

    /** A taint key; empty only to tolerate every taint (with operator Exists). */
    public static final String TAINT_KEY = "self.size() == 0 || self.matches('" + LABEL_KEY_PATTERN + "')";
    public static final String TAINT_KEY_MESSAGE = "must be a label key such as nvidia.com/gpu: an optional DNS-1123"
            + " subdomain and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

    public static final String NODE_SELECTOR_KEYS = "self.all(k, k.matches('" + LABEL_KEY_PATTERN + "'))";
    public static final String NODE_SELECTOR_KEYS_MESSAGE = "keys must be label keys such as nvidia.com/gpu.product:"
            + " an optional DNS-1123 subdomain and '/', then at most 63 letters, digits, '-', '_' or '.', starting and"
            + " ending with a letter or digit";

    /** The values' length (at most 63) is checked by the schema: see {@link NodeSelectorValueLength}. */
    public static final String NODE_SELECTOR_VALUES = "self.all(k, self[k].matches('" + LABEL_VALUE_PATTERN + "'))";
    public static final String NODE_SELECTOR_VALUES_MESSAGE = "values must be label values: letters, digits, '-',"
            + " '_' and '.', starting and ending with a letter or digit";

    /** Several nodes are for training on GPUs: the nodes of a stage without GPUs would hold nothing but CPUs. */
    public static final String NODES_NEED_GPUS = "!has(self.nodes) || self.nodes == 1"
            + " || ((!has(self.count) || self.count > 0) && (!has(self.stages) || self.stages.exists(s, s == 'train')))";
    public static final String NODES_NEED_GPUS_MESSAGE = "nodes greater than 1 needs GPUs on the train stage:"
            + " count of at least 1, and train among stages";

    /**
     * Every node of a multi-node train stage mounts the workspace (the decomposed member, the training state, the
     * trained checkpoint), so the volume must be mountable on several nodes at once.
     */
    public static final String NODES_SHARE_WORKSPACE = "!has(self.scheduling) || !has(self.scheduling.gpu)"
            + " || !has(self.scheduling.gpu.nodes) || self.scheduling.gpu.nodes <= 1"
            + " || (has(self.storage) && has(self.storage.accessMode) && self.storage.accessMode == 'ReadWriteMany')";
    public static final String NODES_SHARE_WORKSPACE_MESSAGE = "scheduling.gpu.nodes above 1 needs"
            + " storage.accessMode ReadWriteMany (with a storage class that provides it, such as NFS or a cloud file"
            + " store): every node of the train stage mounts the workspace";

    /**
     * DJL computes on one device, so it cannot use a second GPU of its stage. Only the train and evaluate stages
     * have an engine: more GPUs for decompose alone are left to the stages that use them.
     */
    /*
     * The paths are written out: bound through a list literal ([self.scheduling.gpu].all(g, ...)) the stages lose
     * their maxItems, and the API server estimates the rule at over 100 times its cost budget.
     */
    public static final String DJL_ONE_GPU = "!has(self.training) || !has(self.training.engine)"
            + " || self.training.engine != 'DJL' || !has(self.scheduling) || !has(self.scheduling.gpu)"
            + " || ((!has(self.scheduling.gpu.count) || self.scheduling.gpu.count <= 1)"
            + " && (!has(self.scheduling.gpu.nodes) || self.scheduling.gpu.nodes <= 1))"
            + " || (has(self.scheduling.gpu.stages)"
            + " && !self.scheduling.gpu.stages.exists(s, s == 'train' || s == 'evaluate'))";
    public static final String DJL_ONE_GPU_MESSAGE = "training.engine DJL computes on one GPU: with"
            + " scheduling.gpu.count or scheduling.gpu.nodes above 1 for the train or evaluate stage, set"
            + " training.engine to Auto or Torch";
}
