package dev.plrd.operator;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * metav1.Condition semantics over a list keyed by type: lastTransitionTime moves only when
 * the status flips; reason, message and observedGeneration follow every write.
 */
final class Conditions {
    static final String READY = "Ready";
    static final String PROGRESSING = "Progressing";
    static final String DEGRADED = "Degraded";
    static final String SUSPENDED = "Suspended";

    private Conditions() {
    }

    static void set(List<Condition> conditions, String type, boolean status, String reason, String message,
            long generation, Instant now) {
        String value = status ? "True" : "False";
        Condition existing = conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
        if (existing == null) {
            existing = new Condition();
            existing.setType(type);
            conditions.add(existing);
        }
        if (!Objects.equals(existing.getStatus(), value) || existing.getLastTransitionTime() == null) {
            existing.setLastTransitionTime(Timestamps.format(now));
        }
        existing.setStatus(value);
        existing.setReason(reason);
        existing.setMessage(message);
        existing.setObservedGeneration(generation);
    }

    static Condition find(List<Condition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }
}
