package dev.plrd.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.ArtifactStatus;
import dev.plrd.api.BaseStatus;
import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.StageName;
import dev.plrd.api.StageOutputs;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import dev.plrd.api.Violation;
import dev.plrd.api.SchemaValidator;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Moves a family forward one reconcile at a time. Pure: from the spec, the plan, the recorded
 * status and what the Jobs show, it computes the next status and the Job requests that go with
 * it. The stages run one at a time in plan order; each transition is the state machine's.
 *
 * <p>Re-planning rule, on every reconcile: a recorded stage whose fingerprint still matches the
 * plan keeps its state, finished or not; one whose fingerprint changed is reset (its Job deleted
 * if active) and runs again. A stage that failed is retried once per new spec generation, since
 * fixing scheduling or credentials does not change its inputs.
 */
public final class FamilyDriver {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum RequestKind { CREATE_JOB, DELETE_JOB }

    /** A Job to create for a planned stage, or to delete by name. */
    public record JobRequest(RequestKind kind, PlannedStage stage, String jobName) {
    }

    public record Outcome(ModelFamilyStatus status, List<JobRequest> requests, Instant recheckAt) {
    }

    /** Everything one reconcile decides on. */
    public record Inputs(ModelFamilySpec spec, long generation, ModelFamilyStatus previous, List<PlannedStage> plan,
            Function<String, JobObservation> jobs, BiFunction<PlannedStage, Integer, String> jobNames,
            StageStateMachine.Timeouts timeouts, Instant now) {
    }

    private FamilyDriver() {
    }

    public static Outcome drive(Inputs in) {
        ModelFamilyStatus status = copy(in.previous());
        List<JobRequest> requests = new ArrayList<>();
        Map<String, PlannedStage> planned = new LinkedHashMap<>();
        in.plan().forEach(p -> planned.put(p.id(), p));
        Map<String, StageStatus> stages = align(status, in, planned, requests);

        Instant recheck = null;
        boolean suspend = Boolean.TRUE.equals(in.spec().suspend);
        if (suspend) {
            stages.replaceAll((id, s) -> {
                if (!s.phase.active()) {
                    return s;
                }
                StageStateMachine.Step step = StageStateMachine.suspend(s, in.now());
                requests.add(new JobRequest(RequestKind.DELETE_JOB, planned.get(id), s.jobName));
                return step.stage();
            });
        } else {
            recheck = advance(stages, planned, in, requests);
        }

        status.members = members(in.plan(), stages);
        status.base = base(in.spec(), in.plan(), stages);
        summarize(status, in.spec(), in.generation(), stages, planned, suspend, in.now());
        return new Outcome(status, requests, recheck);
    }

    /** The status for a spec that breaks the CRD rules: nothing new starts, running Jobs are left alone. */
    static ModelFamilyStatus invalid(ModelFamilyStatus previous, long generation, List<Violation> violations,
            Instant now) {
        return refused(previous, generation, Reasons.INVALID_SPEC, SchemaValidator.summary(violations), now);
    }

    /** The status for a spec refused before any Job, for the reason given: the same rules as {@link #invalid}. */
    static ModelFamilyStatus refused(ModelFamilyStatus previous, long generation, String reason, String message,
            Instant now) {
        ModelFamilyStatus status = copy(previous);
        status.observedGeneration = generation;
        status.phase = "Failed";
        Conditions.set(status.conditions, Conditions.READY, false, reason, message, generation, now);
        Conditions.set(status.conditions, Conditions.PROGRESSING, false, reason, message, generation, now);
        Conditions.set(status.conditions, Conditions.DEGRADED, true, reason, message, generation, now);
        return status;
    }

    /** Lays the recorded stages over the plan, resetting those whose inputs changed. */
    private static Map<String, StageStatus> align(ModelFamilyStatus status, Inputs in,
            Map<String, PlannedStage> planned, List<JobRequest> requests) {
        Map<String, StageStatus> recorded = new HashMap<>();
        for (MemberStatus m : status.members) {
            for (StageStatus s : m.stages) {
                recorded.put(m.name + "/" + s.name.id(), s);
            }
        }
        boolean newGeneration = status.observedGeneration == null || status.observedGeneration < in.generation();
        Map<String, StageStatus> stages = new LinkedHashMap<>();
        planned.forEach((id, p) -> {
            StageStatus old = recorded.remove(id);
            StageStatus next;
            if (old == null) {
                next = StageStateMachine.pending(p.stage(), p.fingerprint());
            } else if (!p.fingerprint().equals(old.fingerprint)) {
                next = pending(old, p, StageStateMachine.rerun(old, p.fingerprint(), Reasons.INPUTS_CHANGED,
                        "inputs changed in generation " + in.generation() + "; the stage runs again"), requests);
            } else if (old.phase == StagePhase.Failed && newGeneration) {
                next = pending(old, p, StageStateMachine.retry(old, Reasons.RETRYING,
                        "retrying after the spec changed (generation " + in.generation() + "); the failed Job was "
                                + old.jobName), requests);
            } else {
                next = old;
            }
            stages.put(id, next);
        });
        recorded.values().stream().filter(s -> s.phase.active())
                .forEach(s -> requests.add(new JobRequest(RequestKind.DELETE_JOB, null, s.jobName)));
        return stages;
    }

    /** The stage back at Pending, and the delete request for the Job it leaves behind, if active. */
    private static StageStatus pending(StageStatus old, PlannedStage p, StageStateMachine.Step step,
            List<JobRequest> requests) {
        if (step.action() == StageStateMachine.Action.DELETE_JOB) {
            requests.add(new JobRequest(RequestKind.DELETE_JOB, p, old.jobName));
        }
        return step.stage();
    }

    /** Drives the first unfinished stage, and the ones after it while stages complete. */
    private static Instant advance(Map<String, StageStatus> stages, Map<String, PlannedStage> planned, Inputs in,
            List<JobRequest> requests) {
        for (Map.Entry<String, StageStatus> entry : stages.entrySet()) {
            PlannedStage p = planned.get(entry.getKey());
            StageStatus s = entry.getValue();
            while (true) {
                if (s.phase == StagePhase.Succeeded) {
                    break;
                }
                if (s.phase == StagePhase.Failed) {
                    return null;
                }
                StageStateMachine.Step step = s.phase.active()
                        ? StageStateMachine.observe(s, in.jobs().apply(s.jobName), in.timeouts(), in.now())
                        : StageStateMachine.start(s, sequence -> in.jobNames().apply(p, sequence), in.now());
                s = step.stage();
                entry.setValue(s);
                switch (step.action()) {
                    case CREATE_JOB -> requests.add(new JobRequest(RequestKind.CREATE_JOB, p, s.jobName));
                    case DELETE_JOB -> requests.add(new JobRequest(RequestKind.DELETE_JOB, p, s.jobName));
                    default -> {
                    }
                }
                if (s.phase == StagePhase.Pending) {
                    continue;
                }
                if (s.phase != StagePhase.Succeeded) {
                    return step.recheckAt();
                }
            }
        }
        return null;
    }

    private static List<MemberStatus> members(List<PlannedStage> plan, Map<String, StageStatus> stages) {
        Map<String, MemberStatus> members = new LinkedHashMap<>();
        for (PlannedStage p : plan) {
            MemberStatus m = members.computeIfAbsent(p.member(), name -> {
                MemberStatus created = new MemberStatus();
                created.name = name;
                return created;
            });
            StageStatus s = stages.get(p.id());
            m.stages.add(s);
            StageOutputs o = s.phase == StagePhase.Succeeded ? s.outputs : null;
            if (o == null) {
                continue;
            }
            switch (p.stage()) {
                case DECOMPOSE -> {
                    m.parameters = o.parameters;
                    m.ranks = o.ranks;
                }
                case TRAIN -> m.loss = o.loss;
                case EVALUATE -> m.perplexity = o.perplexity;
                case PUBLISH -> {
                    m.artifact = new ArtifactStatus();
                    m.artifact.uri = o.uri;
                    m.artifact.digest = o.digest;
                }
            }
        }
        return new ArrayList<>(members.values());
    }

    /** The base as the first member's decompose fetched it, once that stage has succeeded. */
    private static BaseStatus base(ModelFamilySpec spec, List<PlannedStage> plan, Map<String, StageStatus> stages) {
        PlannedStage first = plan.get(0);
        StageStatus decompose = stages.get(first.id());
        if (decompose.phase != StagePhase.Succeeded || decompose.outputs == null) {
            return null;
        }
        BaseStatus base = new BaseStatus();
        base.uri = Planner.baseReference(spec.base);
        base.revision = decompose.outputs.revision;
        base.bytes = decompose.outputs.fetchedBytes;
        return base;
    }

    private static void summarize(ModelFamilyStatus status, ModelFamilySpec spec, long generation,
            Map<String, StageStatus> stages, Map<String, PlannedStage> planned, boolean suspend, Instant now) {
        String currentId = stages.entrySet().stream().filter(e -> e.getValue().phase != StagePhase.Succeeded)
                .map(Map.Entry::getKey).findFirst().orElse(null);
        StageStatus current = currentId == null ? null : stages.get(currentId);
        long published = planned.values().stream()
                .filter(p -> p.stage() == StageName.PUBLISH && stages.get(p.id()).phase == StagePhase.Succeeded)
                .count();
        status.observedGeneration = generation;
        status.currentStage = currentId == null ? "" : currentId;
        PlannedStage inHand = currentId == null ? null : planned.get(currentId);
        status.gpus = inHand != null && inHand.gpus() > 0 && current.phase.active()
                ? inHand.gpus() + "x" + inHand.nodes() : null;
        status.published = published + "/" + spec.members.size();

        String stageMessage = current == null ? "" : currentId + ": " + (current.message == null ? "" : current.message);
        if (current == null) {
            status.phase = "Succeeded";
            String all = published + " of " + spec.members.size() + " members published";
            Conditions.set(status.conditions, Conditions.READY, true, Reasons.ALL_MEMBERS_PUBLISHED, all, generation, now);
            Conditions.set(status.conditions, Conditions.PROGRESSING, false, Reasons.COMPLETE, all, generation, now);
        } else {
            status.phase = suspend ? "Suspended" : current.phase == StagePhase.Failed ? "Failed"
                    : current.phase.active() ? "Running" : "Pending";
            Conditions.set(status.conditions, Conditions.READY, false, current.reason,
                    current.message == null ? "" : current.message, generation, now);
            boolean progressing = !suspend && current.phase != StagePhase.Failed;
            Conditions.set(status.conditions, Conditions.PROGRESSING, progressing,
                    progressing ? current.reason : suspend ? Reasons.SUSPENDED : Reasons.STAGE_FAILED,
                    stageMessage, generation, now);
        }
        boolean failed = current != null && current.phase == StagePhase.Failed;
        Conditions.set(status.conditions, Conditions.DEGRADED, failed, failed ? current.reason : Reasons.NO_FAILURE,
                failed ? stageMessage : "", generation, now);
        StageStatus stopped = stages.values().stream().filter(s -> s.phase == StagePhase.Suspended).findFirst()
                .orElse(null);
        Conditions.set(status.conditions, Conditions.SUSPENDED, suspend, suspend ? Reasons.SUSPENDED_BY_SPEC : Reasons.NOT_SUSPENDED,
                !suspend ? "" : stopped != null ? currentId + ": " + stopped.message : "no stage was running",
                generation, now);
    }

    private static ModelFamilyStatus copy(ModelFamilyStatus previous) {
        return previous == null ? new ModelFamilyStatus() : JSON.convertValue(previous, ModelFamilyStatus.class);
    }
}
