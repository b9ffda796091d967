package dev.plrd.plan;

/** Which of the family's secrets and volumes a stage needs, so that each stage sees only those. */
public enum Credentials {
    /** The stage reads the base model: base.credentialsSecret, and the claim of a pvc:// base. */
    BASE,
    /** training.credentialsSecret: reading datasets. */
    DATA,
    /** publish.credentialsSecret: pushing to the registry. */
    REGISTRY
}
