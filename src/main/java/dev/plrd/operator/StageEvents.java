package dev.plrd.operator;

import dev.plrd.api.ModelFamily;
import dev.plrd.api.StagePhase;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on the ModelFamily for the stage transitions a user acts on (see
 * {@link StageTransition#worthAnEvent()}), so that {@code kubectl describe mf} tells the story without
 * repeating it. An Event that cannot be written is logged and dropped: it never fails a reconcile.
 */
@ApplicationScoped
public class StageEvents {
    private static final Logger LOG = Logger.getLogger(StageEvents.class);
    private static final Set<String> WARNINGS = Set.of(Reasons.JOB_LOST, Reasons.IMAGE_PULL_FAILED,
            Reasons.STARTUP_TIMEOUT, Reasons.RUN_TIMEOUT);

    private final KubernetesClient client;

    public StageEvents(KubernetesClient client) {
        this.client = client;
    }

    void record(ModelFamily family, StageTransition t) {
        if (t.worthAnEvent()) {
            boolean warning = t.after().phase == StagePhase.Failed || WARNINGS.contains(t.after().reason);
            String message = t.id() + " " + t.after().phase + (t.after().message != null ? ": " + t.after().message : "");
            emit(family, warning ? "Warning" : "Normal", t.after().reason, message);
        }
        if (t.newRetries() > 0) {
            emit(family, "Warning", Reasons.STAGE_RETRIED, t.id() + ": " + t.newRetries()
                    + " pod(s) failed and were retried (" + t.after().retries + " of the retry budget used)");
        }
        if (t.newInterruptions() > 0) {
            emit(family, "Normal", Reasons.STAGE_INTERRUPTED, t.id() + ": " + t.newInterruptions()
                    + " pod(s) lost to preemption, eviction or drain; replaced without using the retry budget");
        }
    }

    void invalidSpec(ModelFamily family, String message) {
        emit(family, "Warning", Reasons.INVALID_SPEC, message);
    }

    private void emit(ModelFamily family, String type, String reason, String message) {
        String now = Timestamps.format(Instant.now());
        Event event = new EventBuilder()
                .withNewMetadata()
                    .withName(family.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                    .withNamespace(family.getMetadata().getNamespace())
                .endMetadata()
                .withNewInvolvedObject()
                    .withApiVersion(family.getApiVersion())
                    .withKind(family.getKind())
                    .withName(family.getMetadata().getName())
                    .withNamespace(family.getMetadata().getNamespace())
                    .withUid(family.getMetadata().getUid())
                .endInvolvedObject()
                .withType(type)
                .withReason(reason)
                .withMessage(StageResults.truncate(message))
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent(Labels.OPERATOR).endSource()
                .build();
        try {
            client.v1().events().inNamespace(family.getMetadata().getNamespace()).resource(event).create();
        } catch (RuntimeException e) {
            LOG.warnf("could not record event %s for %s/%s: %s", reason, family.getMetadata().getNamespace(),
                    family.getMetadata().getName(), e.getMessage());
        }
    }
}
