package dev.plrd.operator;

/** Labels and annotations the operator puts on what it creates, and reads back. */
final class Labels {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String OPERATOR = "plrd-operator";
    static final String FAMILY = "plrd.dev/family";
    static final String MEMBER = "plrd.dev/member";
    static final String STAGE = "plrd.dev/stage";
    static final String JOB = "plrd.dev/job";
    /** The family's full name (label values are cut to 63 characters; annotations are not). */
    static final String FAMILY_NAME_ANNOTATION = "plrd.dev/family-name";
    static final String FINGERPRINT_ANNOTATION = "plrd.dev/fingerprint";
    static final String KUEUE_QUEUE = "kueue.x-k8s.io/queue-name";
    /** Karpenter does not consolidate or expire a node while a pod with this annotation ("true") runs on it. */
    static final String DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";
    /** cluster-autoscaler does not scale down a node for a pod with this annotation ("false"). */
    static final String SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";
    static final String GPU_RESOURCE = "nvidia.com/gpu";
    static final String GPU_PRODUCT = "nvidia.com/gpu.product";

    /** Selects the Jobs and pods of every family, so the informers cache nothing else. */
    static final String SELECTOR = MANAGED_BY + "=" + OPERATOR;

    private Labels() {
    }
}
