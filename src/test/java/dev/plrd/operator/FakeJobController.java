package dev.plrd.operator;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Stands in for the parts of a cluster the mock API server lacks: the Job controller (pods,
 * counts, conditions, backoffLimit, podFailurePolicy), the scheduler and kubelet (Pending,
 * Running, termination messages, preemption) and Kueue (suspend until admitted). Each Job
 * follows a {@link Script} chosen by its member and stage labels; it moves one step per tick.
 *
 * <p>As the Job controller of Kubernetes 1.31 and later, it finishes a Job in two steps: first the
 * interim condition (FailureTarget or SuccessCriteriaMet) with the counts not yet final, then, a
 * tick later, the terminal one (Failed or Complete) with the final counts.
 */
final class FakeJobController implements AutoCloseable {
    /** What one pod of a Job does. */
    record PodScript(int pendingTicks, boolean schedulable, String waitingReason, int runningTicks, Ending ending,
            int exitCode, String message) {

        enum Ending { SUCCEED, FAIL, DISRUPT, PREEMPT, HANG }

        static PodScript succeed(String message) {
            return new PodScript(1, true, null, 1, Ending.SUCCEED, 0, message);
        }

        /** Runs for a while (ticks), then succeeds. */
        static PodScript succeedAfter(int runningTicks, String message) {
            return new PodScript(1, true, null, runningTicks, Ending.SUCCEED, 0, message);
        }

        static PodScript fail(int exitCode, String message) {
            return new PodScript(1, true, null, 1, Ending.FAIL, exitCode, message);
        }

        static PodScript disrupted() {
            return new PodScript(1, true, null, 1, Ending.DISRUPT, 137, null);
        }

        /** Runs, is marked DisruptionTarget by the scheduler's preemption, then deleted, as kube-scheduler does. */
        static PodScript preempted() {
            return new PodScript(1, true, null, 1, Ending.PREEMPT, 137, null);
        }

        /** Runs and never finishes (until the Job is deleted). */
        static PodScript runForever() {
            return new PodScript(1, true, null, Integer.MAX_VALUE, Ending.HANG, 0, null);
        }

        /**
         * Never gets a node: the scheduler's verdict (PodScheduled=False, Unschedulable) comes a tick
         * after the pod, and its message changes every tick after (as nodes come and go).
         */
        static PodScript unschedulable() {
            return new PodScript(Integer.MAX_VALUE, false, null, 0, Ending.HANG, 0, null);
        }

        static PodScript waiting(String reason) {
            return new PodScript(Integer.MAX_VALUE, true, reason, 0, Ending.HANG, 0, null);
        }
    }

    /** The pods of a Job, in order, and how long Kueue holds it first. */
    record Script(int queueTicks, List<PodScript> pods) {
        static Script of(PodScript... pods) {
            return new Script(0, List.of(pods));
        }

        Script queuedFor(int ticks) {
            return new Script(ticks, pods);
        }
    }

    private static final class Run {
        final Script script;
        int ticks;
        int podIndex = -1;
        int podTicks;
        boolean podRunning;
        boolean done;
        boolean collected;
        int failed;
        int queued;
        String startTime;
        /** The terminal condition to set on the next tick, after the interim one: Failed or Complete. */
        String finishing;
        String finishingReason;

        Run(Script script) {
            this.script = script;
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final Function<Job, Script> scripts;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final List<String> created = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

    /** Drives the Jobs of one namespace, so that tests sharing a mock server stay apart. */
    FakeJobController(KubernetesClient client, String namespace, Function<Job, Script> scripts, long tickMillis) {
        this.client = client;
        this.namespace = namespace;
        this.scripts = scripts;
        ticker.scheduleWithFixedDelay(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    }

    /** Names of every Job seen, in the order first seen (to check no duplicates were made). */
    List<String> jobsSeen() {
        return List.copyOf(created);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }

    private void tick() {
        try {
            var seen = new java.util.HashSet<String>();
            for (Job job : client.batch().v1().jobs().inNamespace(namespace).withLabel(Labels.MANAGED_BY, Labels.OPERATOR)
                    .list().getItems()) {
                String key = job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
                seen.add(key);
                Run run = runs.computeIfAbsent(key, k -> {
                    created.add(job.getMetadata().getName());
                    return new Run(scripts.apply(job));
                });
                if (run.finishing != null) {
                    finish(job, run);
                } else if (!run.done) {
                    step(job, run);
                }
            }
            runs.forEach((key, run) -> {
                if (!seen.contains(key) && !run.collected) {
                    // the garbage collector: a deleted Job takes its pods with it
                    run.collected = true;
                    run.done = true;
                    String[] nsName = key.split("/", 2);
                    client.pods().inNamespace(nsName[0]).withLabel(Labels.JOB, nsName[1]).delete();
                }
            });
        } catch (RuntimeException e) {
            System.err.println("fake job controller: " + e);
        }
    }

    private void step(Job job, Run run) {
        run.ticks++;
        if (job.getMetadata().getLabels().containsKey(Labels.KUEUE_QUEUE) && run.queued < run.script.queueTicks()) {
            run.queued++;
            if (!Boolean.TRUE.equals(job.getSpec().getSuspend())) {
                job.getSpec().setSuspend(true);
                client.resource(job).update();
            }
            return;
        }
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            job.getSpec().setSuspend(false);
            job = client.resource(job).update();
            run.startTime = null;
        }
        if (run.startTime == null) {
            run.startTime = now();
        }
        if (run.podIndex < 0 || podFinished(run)) {
            if (run.podIndex + 1 >= run.script.pods().size()) {
                return;
            }
            run.podIndex++;
            run.podTicks = 0;
            run.podRunning = false;
            createPod(job, run);
            setJobStatus(job, run, null, null);
            return;
        }
        PodScript ps = run.script.pods().get(run.podIndex);
        run.podTicks++;
        Pod pod = client.pods().inNamespace(job.getMetadata().getNamespace()).withName(podName(job, run)).get();
        if (pod == null) {
            return;
        }
        if (!run.podRunning) {
            if (!ps.schedulable()) {
                unschedulable(pod, run.podTicks);
                return;
            }
            if (run.podTicks >= ps.pendingTicks()) {
                run.podRunning = true;
                run.podTicks = 0;
                updatePod(pod, "Running", true, null, null);
            }
            return;
        }
        if (run.podTicks < ps.runningTicks()) {
            return;
        }
        switch (ps.ending()) {
            case SUCCEED -> {
                updatePod(pod, "Succeeded", true, 0, ps.message());
                run.done = true;
                beginFinishing(job, run, "Complete", null);
            }
            case DISRUPT -> {
                pod.getStatus().getConditions().add(new PodConditionBuilder().withType("DisruptionTarget")
                        .withStatus("True").withReason("PreemptionByScheduler").build());
                updatePod(pod, "Failed", true, ps.exitCode(), null);
                setJobStatus(job, run, null, null);
            }
            case PREEMPT -> {
                pod.getStatus().getConditions().add(new PodConditionBuilder().withType("DisruptionTarget")
                        .withStatus("True").withReason("PreemptionByScheduler").build());
                updatePod(pod, "Failed", true, ps.exitCode(), null);
                client.resource(pod).delete();
                setJobStatus(job, run, null, null);
            }
            case FAIL -> {
                updatePod(pod, "Failed", true, ps.exitCode(), ps.message());
                run.failed++;
                if (failsJob(job, ps.exitCode())) {
                    run.done = true;
                    beginFinishing(job, run, "Failed", "PodFailurePolicy");
                } else if (run.failed > job.getSpec().getBackoffLimit()) {
                    run.done = true;
                    beginFinishing(job, run, "Failed", "BackoffLimitExceeded");
                } else {
                    setJobStatus(job, run, null, null);
                }
            }
            case HANG -> {
            }
        }
    }

    /** The interim condition, with the last pod not yet counted; {@link #finish} sets the terminal one. */
    private void beginFinishing(Job job, Run run, String terminal, String reason) {
        run.finishing = terminal;
        run.finishingReason = reason;
        boolean failure = "Failed".equals(terminal);
        if (failure) {
            run.failed--;
        }
        setJobStatus(job, run, failure ? "FailureTarget" : "SuccessCriteriaMet", reason);
        if (failure) {
            run.failed++;
        }
    }

    private void finish(Job job, Run run) {
        setJobStatus(job, run, run.finishing, run.finishingReason);
        run.finishing = null;
    }

    /** The scheduler's verdict on a pod no node fits; the node count in its message moves as nodes come and go. */
    private void unschedulable(Pod pod, int ticks) {
        if (ticks < 2) {
            return;
        }
        pod.getStatus().setConditions(new ArrayList<>(List.of(new PodConditionBuilder().withType("PodScheduled")
                .withStatus("False").withReason("Unschedulable")
                .withMessage("0/" + (3 + ticks % 4) + " nodes are available: " + (3 + ticks % 4)
                        + " Insufficient nvidia.com/gpu")
                .build())));
        client.resource(pod).updateStatus();
    }

    private boolean podFinished(Run run) {
        PodScript ps = run.script.pods().get(run.podIndex);
        return run.podRunning && run.podTicks >= ps.runningTicks() && ps.ending() != PodScript.Ending.HANG;
    }

    private static boolean failsJob(Job job, int exitCode) {
        for (PodFailurePolicyRule rule : job.getSpec().getPodFailurePolicy().getRules()) {
            if ("FailJob".equals(rule.getAction()) && rule.getOnExitCodes() != null
                    && rule.getOnExitCodes().getValues().contains(exitCode)) {
                return true;
            }
        }
        return false;
    }

    private String podName(Job job, Run run) {
        return job.getMetadata().getName() + "-" + run.podIndex;
    }

    private void createPod(Job job, Run run) {
        PodScript ps = run.script.pods().get(run.podIndex);
        var template = job.getSpec().getTemplate();
        Pod pod = new PodBuilder()
                .withNewMetadata()
                    .withName(podName(job, run))
                    .withNamespace(job.getMetadata().getNamespace())
                    .withLabels(template.getMetadata().getLabels())
                    .withAnnotations(template.getMetadata().getAnnotations())
                    .withCreationTimestamp(now())
                .endMetadata()
                .withSpec(template.getSpec())
                .withNewStatus()
                    .withPhase("Pending")
                .endStatus()
                .build();
        // a pod no node fits has no condition until the scheduler's verdict, and no container status
        if (ps.schedulable()) {
            pod.getStatus().getConditions().add(
                    new PodConditionBuilder().withType("PodScheduled").withStatus("True").build());
            pod.getStatus().getContainerStatuses().add(new ContainerStatusBuilder().withName("worker")
                    .withState(new ContainerStateBuilder().withNewWaiting()
                            .withReason(ps.waitingReason() != null ? ps.waitingReason() : "ContainerCreating")
                            .withMessage(ps.waitingReason() != null ? "Back-off pulling image" : null)
                            .endWaiting().build())
                    .build());
        }
        // a real API server ignores the status of a create: it is set through the status subresource
        Pod created = client.resource(pod).create();
        created.setStatus(pod.getStatus());
        client.resource(created).updateStatus();
    }

    private void updatePod(Pod pod, String phase, boolean scheduled, Integer exitCode, String message) {
        var state = new ContainerStateBuilder();
        if ("Running".equals(phase)) {
            state.withNewRunning().withStartedAt(now()).endRunning();
        } else {
            state.withNewTerminated().withExitCode(exitCode).withMessage(message).withFinishedAt(now())
                    .endTerminated();
        }
        pod.getStatus().setPhase(phase);
        pod.getStatus().setContainerStatuses(new ArrayList<>(List.of(
                new ContainerStatusBuilder().withName("worker").withState(state.build()).build())));
        client.resource(pod).updateStatus();
    }

    /** Writes the Job's counts, adding a condition (kept with those before it) when one is given. */
    private void setJobStatus(Job job, Run run, String conditionType, String reason) {
        Job fresh = client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
                .withName(job.getMetadata().getName()).get();
        if (fresh == null) {
            return;
        }
        JobStatus status = new JobStatus();
        status.setFailed(run.failed);
        status.setStartTime(run.startTime);
        status.setActive(run.done ? 0 : 1);
        status.setSucceeded("Complete".equals(conditionType) ? 1 : 0);
        if (fresh.getStatus() != null) {
            status.getConditions().addAll(fresh.getStatus().getConditions());
        }
        if (conditionType != null) {
            status.getConditions().add(new JobConditionBuilder().withType(conditionType).withStatus("True")
                    .withReason(reason).withLastTransitionTime(now()).build());
            if ("Complete".equals(conditionType)) {
                // a real API server refuses a complete Job without its completion time
                status.setCompletionTime(now());
            }
        }
        fresh.setStatus(status);
        client.resource(fresh).updateStatus();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
