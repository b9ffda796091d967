package dev.plrd.operator;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.List;

/**
 * How a credentials Secret reaches a stage. Not with envFrom: every key of the Secret would
 * become a variable, and keys such as JAVA_TOOL_OPTIONS, LD_PRELOAD or PYTHONPATH change what the
 * worker runs. The operator cannot read Secrets (it has no RBAC for them) to filter them, so it
 * names the keys instead: only the credential variables below become environment variables, each
 * optional, and the whole Secret is mounted read-only as files for anything else.
 */
final class CredentialEnv {
    /**
     * The credential variables of the Hugging Face Hub and of S3-compatible stores, as their
     * clients name them. None of them changes how a process starts; keep it that way when adding.
     */
    static final List<String> KEYS = List.of("HF_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL");

    /** Where each credentials Secret is mounted as files: {@code <DIR>/base}, {@code <DIR>/data}. */
    static final String DIR = "/var/run/plrd/credentials";

    /** Read by the owner and the pod's fsGroup (the stage user's group), by no one else. */
    private static final int FILE_MODE = 0440;

    private CredentialEnv() {
    }

    /** An optional variable per key: a key the Secret lacks is simply not set. */
    static List<EnvVar> env(String secret) {
        return KEYS.stream().map(key -> new EnvVarBuilder().withName(key).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).withOptional(true).endSecretKeyRef().endValueFrom().build()).toList();
    }

    /** The Secret as read-only files; not optional, so that a missing Secret stops the pod visibly (FailedMount). */
    static Volume volume(String name, String secret) {
        return new VolumeBuilder().withName(name).withNewSecret().withSecretName(secret).withDefaultMode(FILE_MODE)
                .endSecret().build();
    }
}
