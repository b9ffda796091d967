package dev.plrd.operator;

import dev.plrd.plan.WorkerContract;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Reduces a stage's Job and its pods, as the informers cache them, to a {@link JobObservation}. */
final class JobObserver {
    static final Comparator<Pod> NEWEST_FIRST = Comparator
            .comparing((Pod p) -> Optional.ofNullable(Timestamps.parse(p.getMetadata().getCreationTimestamp()))
                    .orElse(Instant.EPOCH))
            .thenComparing(p -> p.getMetadata().getName()).reversed();

    private JobObserver() {
    }

    static JobObservation observe(Job job, Collection<Pod> pods) {
        if (job == null) {
            return JobObservation.ABSENT;
        }
        List<Pod> sorted = pods.stream().sorted(NEWEST_FIRST).toList();
        JobObservation.Outcome outcome = JobObservation.Outcome.NONE;
        String jobReason = null;
        for (JobCondition c : job.getStatus() != null ? job.getStatus().getConditions() : List.<JobCondition>of()) {
            if (!"True".equals(c.getStatus())) {
                continue;
            }
            // SuccessCriteriaMet and FailureTarget are interim: the Job controller sets them, then
            // finishes the remaining pods and its counts, then sets Complete or Failed.
            if ("Complete".equals(c.getType())) {
                outcome = JobObservation.Outcome.SUCCEEDED;
            } else if ("Failed".equals(c.getType())) {
                outcome = JobObservation.Outcome.FAILED;
                jobReason = c.getReason();
            }
        }
        Pod active = sorted.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> "Pending".equals(phase(p)) || "Running".equals(phase(p))).findFirst().orElse(null);
        Pod succeeded = sorted.stream().filter(p -> "Succeeded".equals(phase(p))).findFirst().orElse(null);
        Pod failed = sorted.stream().filter(p -> "Failed".equals(phase(p))).findFirst().orElse(null);
        Pod finished = outcome == JobObservation.Outcome.SUCCEEDED && succeeded != null ? succeeded : failed;
        ContainerStateTerminated terminated = finished == null ? null : terminated(finished, WorkerContract.CONTAINER);
        Set<String> failedOnTheirOwn = pods.stream().filter(p -> "Failed".equals(phase(p)))
                .filter(p -> condition(p, "DisruptionTarget") == null).map(p -> p.getMetadata().getName())
                .collect(Collectors.toUnmodifiableSet());
        int failedCount = job.getStatus() != null && job.getStatus().getFailed() != null ? job.getStatus().getFailed() : 0;
        String started = job.getStatus() != null ? job.getStatus().getStartTime() : null;
        return new JobObservation(true, Timestamps.parse(job.getMetadata().getCreationTimestamp()),
                Timestamps.parse(started),
                Boolean.TRUE.equals(job.getSpec().getSuspend()), outcome, jobReason, failedCount,
                sorted.isEmpty() ? null : sorted.get(0).getMetadata().getName(), failedOnTheirOwn,
                active == null ? null : podView(active, WorkerContract.CONTAINER),
                terminated != null ? terminated.getExitCode() : null,
                terminated != null ? terminated.getMessage() : null, null, false);
    }

    /** A pod that has not finished, as the state machine sees it; container: the worker's. */
    static JobObservation.PodView podView(Pod pod, String container) {
        Optional<ContainerStatus> worker = container(pod, container);
        String waitingReason = worker.map(s -> s.getState() != null && s.getState().getWaiting() != null
                ? s.getState().getWaiting().getReason() : null).orElse(null);
        String waitingMessage = worker.map(s -> s.getState() != null && s.getState().getWaiting() != null
                ? s.getState().getWaiting().getMessage() : null).orElse(null);
        Instant runningSince = worker.map(s -> s.getState() != null && s.getState().getRunning() != null
                ? Timestamps.parse(s.getState().getRunning().getStartedAt()) : null).orElse(null);
        PodCondition scheduled = anyCondition(pod, "PodScheduled");
        boolean bound = scheduled != null && "True".equals(scheduled.getStatus())
                || pod.getSpec() != null && pod.getSpec().getNodeName() != null;
        boolean unschedulable = !bound && scheduled != null && "False".equals(scheduled.getStatus())
                && Reasons.K8S_UNSCHEDULABLE.equals(scheduled.getReason());
        String message = !bound ? (scheduled != null ? scheduled.getMessage() : null) : waitingMessage;
        return new JobObservation.PodView("Running".equals(phase(pod)), bound, unschedulable, waitingReason, message,
                Timestamps.parse(pod.getMetadata().getCreationTimestamp()), runningSince);
    }

    /** How the worker container of a finished pod ended, or null. */
    static ContainerStateTerminated terminated(Pod pod, String container) {
        return container(pod, container).map(s -> s.getState() != null ? s.getState().getTerminated() : null)
                .orElse(null);
    }

    private static Optional<ContainerStatus> container(Pod pod, String name) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getContainerStatuses().stream().filter(s -> name.equals(s.getName())).findFirst();
    }

    static String phase(Pod pod) {
        return pod.getStatus() != null ? pod.getStatus().getPhase() : null;
    }

    /** The pod's condition of that type when it is True. */
    static PodCondition condition(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst().orElse(null);
    }

    /** The pod's condition of that type, whatever its status. */
    private static PodCondition anyCondition(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst()
                .orElse(null);
    }
}
