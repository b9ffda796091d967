package dev.plrd.operator;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which answers to a create are final, and how to tell the user about them. 400 (BadRequest),
 * 403 (Forbidden: RBAC, admission) and 422 (Invalid) come back the same however often the same
 * request is sent: only a change to the spec, or to the cluster, helps. The one 403 that passes is
 * a ResourceQuota without room: it frees up as other work in the namespace ends.
 */
final class RefusedCreates {
    private static final Set<Integer> FINAL_CODES = Set.of(400, 403, 422);

    private RefusedCreates() {
    }

    static boolean isFinal(KubernetesClientException e) {
        return FINAL_CODES.contains(e.getCode()) && !isQuota(e);
    }

    /** The ResourceQuota admission plugin's refusal ("exceeded quota: NAME, requested: ..."). */
    static boolean isQuota(KubernetesClientException e) {
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : e.getMessage();
        return e.getCode() == 403 && message != null && message.contains("exceeded quota");
    }

    /** The object, the fields the server names (status.details.causes[].field), and the server's own message. */
    static String describe(String object, KubernetesClientException e) {
        Status status = e.getStatus();
        String reason = status != null && status.getReason() != null ? " " + status.getReason() : "";
        List<String> fields = status == null || status.getDetails() == null ? List.of()
                : status.getDetails().getCauses().stream().map(StatusCause::getField).filter(Objects::nonNull)
                        .distinct().toList();
        String message = status != null && status.getMessage() != null ? status.getMessage() : e.getMessage();
        return "the API server refused " + object + " (" + e.getCode() + reason + ")"
                + (fields.isEmpty() ? "" : ", field " + String.join(", ", fields)) + ": " + message;
    }
}
