package dev.plrd.operator;

import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A stage whose phase or reason changed, or that lost a pod, between two statuses: what Events
 * and metrics are made of.
 *
 * @param before null for a stage that was not recorded before
 */
record StageTransition(String member, StageStatus before, StageStatus after) {
    private static final Set<String> STARTS_A_WAIT = Set.of(Reasons.WAITING_FOR_CAPACITY, Reasons.QUEUED);

    String id() {
        return member + "/" + after.name.id();
    }

    /** A stage that first appears as Pending has not moved: only the plan grew. */
    boolean phaseOrReasonChanged() {
        if (before == null) {
            return after.phase != StagePhase.Pending;
        }
        return before.phase != after.phase || !Objects.equals(before.reason, after.reason);
    }

    /**
     * Whether a user would act on this transition: a new phase (started, running, finished, failed,
     * suspended, reset), or the start of a wait for capacity or in Kueue's queue. The steps of a
     * pod's startup (scheduling, creating its container) and new messages are in the status, not
     * in Events: a pod that waits a day would otherwise fill the Event list.
     */
    boolean worthAnEvent() {
        if (before == null || before.phase != after.phase) {
            return phaseOrReasonChanged();
        }
        return STARTS_A_WAIT.contains(after.reason) && !Objects.equals(before.reason, after.reason);
    }

    int newRetries() {
        return Math.max(0, count(after.retries) - (before == null ? 0 : count(before.retries)));
    }

    int newInterruptions() {
        return Math.max(0, count(after.interruptions) - (before == null ? 0 : count(before.interruptions)));
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }

    static List<StageTransition> between(ModelFamilyStatus previous, ModelFamilyStatus next) {
        Map<String, StageStatus> old = new HashMap<>();
        if (previous != null) {
            for (MemberStatus m : previous.members) {
                m.stages.forEach(s -> old.put(m.name + "/" + s.name.id(), s));
            }
        }
        List<StageTransition> out = new ArrayList<>();
        for (MemberStatus m : next.members) {
            for (StageStatus s : m.stages) {
                StageTransition t = new StageTransition(m.name, old.get(m.name + "/" + s.name.id()), s);
                if (t.phaseOrReasonChanged() || t.newRetries() > 0 || t.newInterruptions() > 0) {
                    out.add(t);
                }
            }
        }
        return out;
    }
}
