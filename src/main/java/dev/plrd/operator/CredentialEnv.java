package dev.plrd.operator;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import dev.plrd.plan.WorkerContract;
import java.util.List;

/**
 * How a credentials Secret reaches a stage. Not with envFrom: every key of the Secret would
 * become a variable, and keys such as JAVA_TOOL_OPTIONS, LD_PRELOAD or PYTHONPATH change what the
 * worker runs. The operator cannot read Secrets (it has no RBAC for them) to filter them, so it
 * names the keys instead: only the credential variables of the worker contract become environment variables, each
 * optional, and the whole Secret is mounted read-only as files for anything else.
 */
final class CredentialEnv {
    /** Read by the owner and the pod's fsGroup (the stage user's group), by no one else. */
    private static final int FILE_MODE = 0440;

    private CredentialEnv() {
    }

    /** An optional variable per key: a key the Secret lacks is simply not set. */
    static List<EnvVar> env(String secret) {
        return WorkerContract.CREDENTIAL_ENV.stream().map(key -> new EnvVarBuilder().withName(key).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).withOptional(true).endSecretKeyRef().endValueFrom().build()).toList();
    }

    /** The Secret as read-only files; not optional, so that a missing Secret stops the pod visibly (FailedMount). */
    static Volume volume(String name, String secret) {
        return new VolumeBuilder().withName(name).withNewSecret().withSecretName(secret).withDefaultMode(FILE_MODE)
                .endSecret().build();
    }
}
