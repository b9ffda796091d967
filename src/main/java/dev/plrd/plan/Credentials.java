package dev.plrd.plan;

/** Which of the family's secrets a stage needs, so that each stage sees only those. */
public enum Credentials {
    /** base.credentialsSecret: reading the base model. */
    BASE,
    /** training.credentialsSecret: reading datasets. */
    DATA,
    /** publish.credentialsSecret: pushing to the registry. */
    REGISTRY
}
