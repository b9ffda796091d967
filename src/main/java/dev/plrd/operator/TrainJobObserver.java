package dev.plrd.operator;

import dev.plrd.plan.WorkerContract;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reduces a TrainJob and its node pods to the {@link JobObservation} the stage state machine decides on, so that a
 * stage on several nodes keeps every promise of a stage Job: queued while Kueue holds it, waiting for capacity while
 * any node waits for one, running once every node runs, preemption not counted as a retry, and the result of rank 0.
 *
 * <p>The nodes fail together: when one goes, the others' collectives fail, and JobSet restarts the group (a new
 * restart attempt) or the TrainJob fails. So the group is followed through its rank-0 pod (completion index 0): the
 * stage's pod is the newest rank-0 pod, a retry is a rank-0 pod that failed on its own, and an interruption is one
 * replaced without failing on its own. A rank-0 failure is its own only when nothing else of its restart attempt
 * went first: no pod of the attempt was disrupted (preempted, evicted, drained: condition DisruptionTarget), every
 * other node still has its one pod (a preempted pod is deleted, often before rank 0 notices), and no other node's
 * worker ended before rank 0's. A lost peer ends every rank, so the first to go is the cause.
 */
final class TrainJobObserver {
    private TrainJobObserver() {
    }

    static JobObservation observe(GenericKubernetesResource trainJob, Collection<Pod> pods) {
        if (trainJob == null) {
            return JobObservation.ABSENT;
        }
        JobObservation.Outcome outcome = JobObservation.Outcome.NONE;
        String reason = null;
        Map<String, Object> suspendedCondition = null;
        for (Map<String, Object> c : conditions(trainJob)) {
            if ("Suspended".equals(c.get("type"))) {
                suspendedCondition = c;
            }
            if (!"True".equals(c.get("status"))) {
                continue;
            }
            if ("Complete".equals(c.get("type"))) {
                outcome = JobObservation.Outcome.SUCCEEDED;
            } else if ("Failed".equals(c.get("type"))) {
                outcome = JobObservation.Outcome.FAILED;
                reason = (String) c.get("reason");
            }
        }
        boolean suspended = Boolean.TRUE.equals(trainJob.get("spec", "suspend"));
        Instant created = Timestamps.parse(trainJob.getMetadata().getCreationTimestamp());
        // the startup window opens when Kueue lets the TrainJob go (Suspended turns False), as a Job's startTime does
        Instant started = suspended ? null
                : suspendedCondition != null && "False".equals(suspendedCondition.get("status"))
                        ? Timestamps.parse((String) suspendedCondition.get("lastTransitionTime")) : created;

        int nodes = nodes(trainJob);
        List<Pod> rankZero = pods.stream().filter(p -> index(p) == 0).sorted(JobObserver.NEWEST_FIRST).toList();
        Set<String> failedOnTheirOwn = rankZero.stream().filter(p -> failedOnItsOwn(p, pods, nodes))
                .map(p -> p.getMetadata().getName()).collect(Collectors.toUnmodifiableSet());

        int latest = pods.stream().mapToInt(TrainJobObserver::attempt).max().orElse(0);
        List<Pod> active = pods.stream().filter(p -> attempt(p) == latest)
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> "Pending".equals(JobObserver.phase(p)) || "Running".equals(JobObserver.phase(p)))
                .sorted(Comparator.comparingInt(TrainJobObserver::index)).toList();

        Pod finished = finished(outcome, rankZero, pods, latest);
        ContainerStateTerminated terminated = finished == null ? null
                : JobObserver.terminated(finished, WorkerContract.MultiNode.CONTAINER);
        return new JobObservation(true, created, started, suspended, outcome, reason, failedOnTheirOwn.size(),
                rankZero.isEmpty() ? null : rankZero.get(0).getMetadata().getName(), failedOnTheirOwn,
                group(active, nodes), terminated != null ? terminated.getExitCode() : null,
                terminated != null ? terminated.getMessage() : null, null, true);
    }

    /**
     * The nodes of the newest attempt as one pod: running when every node runs, bound when every node has one,
     * unschedulable when any node finds none; its window opens with the first pod, and it runs since the last node
     * started.
     */
    private static JobObservation.PodView group(List<Pod> active, int nodes) {
        if (active.isEmpty()) {
            return null;
        }
        List<JobObservation.PodView> views = active.stream()
                .map(p -> JobObserver.podView(p, WorkerContract.MultiNode.CONTAINER)).toList();
        boolean complete = views.size() >= nodes;
        boolean running = complete && views.stream().allMatch(JobObservation.PodView::running);
        boolean bound = complete && views.stream().allMatch(JobObservation.PodView::bound);
        boolean unschedulable = views.stream().anyMatch(JobObservation.PodView::unschedulable);
        JobObservation.PodView telling = views.stream().filter(JobObservation.PodView::unschedulable).findFirst()
                .or(() -> views.stream().filter(v -> v.waitingReason() != null).findFirst())
                .or(() -> views.stream().filter(v -> !v.bound()).findFirst())
                .orElse(views.get(0));
        String message = telling.message() != null && nodes > 1
                ? "node " + index(active.get(views.indexOf(telling))) + " of " + nodes + ": " + telling.message()
                : telling.message();
        Instant created = views.stream().map(JobObservation.PodView::created).filter(Objects::nonNull)
                .min(Comparator.naturalOrder()).orElse(null);
        Instant runningSince = !running ? null : views.stream().map(JobObservation.PodView::runningSince)
                .filter(Objects::nonNull).max(Comparator.naturalOrder()).orElse(null);
        return new JobObservation.PodView(running, bound, unschedulable, telling.waitingReason(), message, created,
                runningSince);
    }

    /**
     * The pod whose worker tells how the TrainJob ended: rank 0 when it succeeded; on failure a pod of the last
     * attempt that exited with a permanent code (bad input fails every rank, and each node's worker names it), else
     * the newest failed rank-0 pod, else any failed pod.
     */
    private static Pod finished(JobObservation.Outcome outcome, List<Pod> rankZero, Collection<Pod> pods,
            int latest) {
        if (outcome == JobObservation.Outcome.SUCCEEDED) {
            return rankZero.stream().filter(p -> "Succeeded".equals(JobObserver.phase(p))).findFirst().orElse(null);
        }
        List<Pod> failed = pods.stream().filter(p -> "Failed".equals(JobObserver.phase(p)))
                .sorted(Comparator.comparingInt((Pod p) -> -attempt(p)).thenComparingInt(TrainJobObserver::index)
                        .thenComparing(JobObserver.NEWEST_FIRST))
                .toList();
        return failed.stream().filter(p -> attempt(p) == latest).filter(p -> {
            ContainerStateTerminated t = JobObserver.terminated(p, WorkerContract.MultiNode.CONTAINER);
            return t != null && WorkerContract.PERMANENT_EXIT_CODES.contains(t.getExitCode());
        }).findFirst().or(() -> rankZero.stream().filter(p -> "Failed".equals(JobObserver.phase(p))).findFirst())
                .or(() -> failed.stream().findFirst()).orElse(null);
    }

    private static boolean failedOnItsOwn(Pod rankZero, Collection<Pod> pods, int nodes) {
        if (!"Failed".equals(JobObserver.phase(rankZero)) || disrupted(rankZero)) {
            return false;
        }
        Instant failedAt = finishedAt(rankZero);
        List<Pod> peers = pods.stream().filter(p -> attempt(p) == attempt(rankZero) && index(p) != 0).toList();
        for (Pod peer : peers) {
            Instant ended = finishedAt(peer);
            if (disrupted(peer) || ended != null && failedAt != null && ended.isBefore(failedAt)) {
                return false;
            }
        }
        Map<Integer, Long> podsPerNode = peers.stream()
                .collect(Collectors.groupingBy(TrainJobObserver::index, Collectors.counting()));
        return podsPerNode.size() == nodes - 1 && podsPerNode.values().stream().allMatch(n -> n == 1);
    }

    private static boolean disrupted(Pod pod) {
        return JobObserver.condition(pod, "DisruptionTarget") != null;
    }

    private static Instant finishedAt(Pod pod) {
        ContainerStateTerminated t = JobObserver.terminated(pod, WorkerContract.MultiNode.CONTAINER);
        return t == null ? null : Timestamps.parse(t.getFinishedAt());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> conditions(GenericKubernetesResource trainJob) {
        Object conditions = trainJob.get("status", "conditions");
        return conditions instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }

    private static int nodes(GenericKubernetesResource trainJob) {
        Object nodes = trainJob.get("spec", "trainer", "numNodes");
        return nodes instanceof Number n ? n.intValue() : 1;
    }

    /** The JobSet restart attempt the pod belongs to; 0 before any restart. */
    static int attempt(Pod pod) {
        return number(label(pod, TrainJobs.RESTART_ATTEMPT_LABEL));
    }

    /** The pod's node index (its Job completion index); node 0 runs global rank 0. */
    static int index(Pod pod) {
        String index = label(pod, TrainJobs.COMPLETION_INDEX_LABEL);
        if (index == null && pod.getMetadata().getAnnotations() != null) {
            index = pod.getMetadata().getAnnotations().get(TrainJobs.COMPLETION_INDEX_LABEL);
        }
        return number(index);
    }

    private static String label(Pod pod, String key) {
        return pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(key);
    }

    private static int number(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
