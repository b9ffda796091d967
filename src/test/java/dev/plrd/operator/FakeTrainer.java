package dev.plrd.operator;

import dev.plrd.operator.FakeJobController.PodScript;
import dev.plrd.operator.FakeJobController.PodScript.Ending;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Stands in for Kubeflow Trainer v2 and what runs under it, none of which the mock API server has: the Trainer (a
 * TrainJob's conditions), JobSet (one pod per node, all restarted together, with the next restart attempt, when one
 * of them fails or is lost), the scheduler and kubelet (Pending, Running, termination messages, preemption with a
 * graceful termination) and Kueue (suspend until admitted). Each TrainJob follows a {@link Script} chosen from it; it
 * moves one step per tick, as {@link FakeJobController} does for Jobs.
 *
 * <p>Each node's pod follows a {@link PodScript}: pending (or unschedulable, or waiting), running, then it succeeds,
 * fails with an exit code and message, is disrupted (DisruptionTarget, the pod kept), is preempted (DisruptionTarget,
 * then a graceful delete: a tick later its container has stopped, a tick after that the pod is gone) or hangs.
 *
 * <p>The group fails together, as torchrun over NCCL does: a tick after a node fails or is lost, every other node
 * still running fails with exit 1 ({@link #PEER_LOST}) unless its own script ended it first; a tick later JobSet
 * deletes the attempt's pods and, if the script has another attempt, makes its pods the tick after, with the next
 * restart attempt; otherwise the TrainJob fails and its pods stay. When every node succeeded, the TrainJob is
 * Complete a tick later.
 *
 * <p>A pod is built as the Trainer builds it from the torch-distributed runtime: the pod template patch of the
 * TrainJob's runtime patches (labels, annotations, volumes, node selector, the {@code node} container's mounts),
 * the image, command, arguments, environment and resources of {@code spec.trainer}, and the labels JobSet and the
 * Job controller add.
 */
final class FakeTrainer implements AutoCloseable {
    static final ResourceDefinitionContext TRAIN_JOBS = new ResourceDefinitionContext.Builder()
            .withGroup("trainer.kubeflow.org").withVersion("v1alpha1").withKind("TrainJob").withPlural("trainjobs")
            .withNamespaced(true).build();
    static final String CRD_NAME = "trainjobs.trainer.kubeflow.org";

    // Spelled out here rather than taken from the operator's constants, so that a wrong key there shows.
    static final String JOBSET_NAME = "jobset.sigs.k8s.io/jobset-name";
    static final String REPLICATED_JOB = "jobset.sigs.k8s.io/replicatedjob-name";
    static final String RESTART_ATTEMPT = "jobset.sigs.k8s.io/restart-attempt";
    static final String JOB_INDEX = "jobset.sigs.k8s.io/job-index";
    static final String JOB_NAME = "batch.kubernetes.io/job-name";
    static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
    /** The replicated Job of the torch-distributed runtime, and the name of its container. */
    static final String NODE = "node";
    /**
     * Held on a preempted pod while it terminates, as the kubelet's grace period does: the pod stays visible with
     * its DisruptionTarget condition and a deletion timestamp until its container has stopped.
     */
    static final String TERMINATION_FINALIZER = "test.plrd.dev/graceful-termination";
    /** What a rank writes when a peer of its collectives is gone (torch's NCCL watchdog aborts the process). */
    static final String PEER_LOST = "{\"error\":\"NCCL communicator was aborted: a peer rank is gone\"}";

    /** What each node does in one try of the whole group; node 0 is rank 0. */
    record Attempt(List<PodScript> nodes) {
        static Attempt of(PodScript... nodes) {
            return new Attempt(List.of(nodes));
        }
    }

    /** The tries of a TrainJob in order (each after a JobSet restart), and how long Kueue holds it first. */
    record Script(int queueTicks, List<Attempt> attempts) {
        static Script of(Attempt... attempts) {
            return new Script(0, List.of(attempts));
        }

        Script queuedFor(int ticks) {
            return new Script(ticks, attempts);
        }
    }

    /** One node's pod in the current attempt. */
    private static final class Node {
        final int index;
        final PodScript script;
        final String pod;
        int ticks;
        boolean running;
        /** How the pod ended, or null while it is pending or running. */
        Ending ending;
        /** The tick of the attempt at which it ended. */
        int endedAt;

        Node(int index, PodScript script, String pod) {
            this.index = index;
            this.script = script;
            this.pod = pod;
        }

        boolean lost() {
            return ending == Ending.FAIL || ending == Ending.PREEMPT || ending == Ending.DISRUPT;
        }
    }

    private static final class Run {
        final String name;
        final Script script;
        int queued;
        /** The JobSet's restart attempt, which is also the index of the script's attempt. */
        int attempt;
        /** The pods of the current attempt; null until they are created. */
        List<Node> nodes;
        int ticks;
        /** The tick at which a pod of the current attempt failed or was lost, or null. */
        Integer brokenAt;
        boolean completing;
        boolean done;
        boolean collected;

        Run(String name, Script script) {
            this.name = name;
            this.script = script;
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final Function<GenericKubernetesResource, Script> scripts;
    /** By uid: a TrainJob created again under a name already used is a new one. */
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final List<String> created = new CopyOnWriteArrayList<>();
    private final Map<String, GenericKubernetesResource> firstSeen = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

    /** Drives the TrainJobs of one namespace, so that tests sharing a mock server stay apart. */
    FakeTrainer(KubernetesClient client, String namespace, Function<GenericKubernetesResource, Script> scripts,
            long tickMillis) {
        this.client = client;
        this.namespace = namespace;
        this.scripts = scripts;
        ticker.scheduleWithFixedDelay(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    }

    /** Makes the API server serve TrainJobs, as installing Kubeflow Trainer does. */
    static void install(KubernetesClient client) {
        try (InputStream in = FakeTrainer.class.getResourceAsStream("/trainer/" + CRD_NAME + ".yaml")) {
            CustomResourceDefinition crd = client.getKubernetesSerialization()
                    .unmarshal(Objects.requireNonNull(in, "the TrainJob CRD is missing from the test resources"),
                            CustomResourceDefinition.class);
            client.resource(crd).createOr(op -> op.update());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Takes TrainJobs out of discovery, as on a cluster without Kubeflow Trainer. */
    static void uninstall(KubernetesClient client) {
        client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).delete();
    }

    /** Names of every TrainJob seen, in the order first seen (a name twice means it was created twice). */
    List<String> trainJobsSeen() {
        return List.copyOf(created);
    }

    /** The TrainJob as this fake first saw it, before Kueue or the Trainer changed it. */
    GenericKubernetesResource firstSeen(String name) {
        return Objects.requireNonNull(firstSeen.get(name), () -> "no TrainJob " + name + " was seen");
    }

    /** Stops after the tick under way, so that no request is cut off half-way. */
    @Override
    public void close() {
        ticker.shutdown();
        try {
            if (!ticker.awaitTermination(5, TimeUnit.SECONDS)) {
                ticker.shutdownNow();
            }
        } catch (InterruptedException e) {
            ticker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void tick() {
        try {
            Set<String> seen = new HashSet<>();
            for (GenericKubernetesResource trainJob : trainJobs().list().getItems()) {
                String uid = trainJob.getMetadata().getUid();
                seen.add(uid);
                Run run = runs.computeIfAbsent(uid, k -> {
                    String name = trainJob.getMetadata().getName();
                    created.add(name);
                    firstSeen.putIfAbsent(name, trainJob);
                    return new Run(name, scripts.apply(trainJob));
                });
                if (!run.done) {
                    try {
                        step(trainJob, run);
                    } catch (RuntimeException e) {
                        System.err.println("fake trainer, " + run.name + ": " + e);
                    }
                }
            }
            runs.forEach((uid, run) -> {
                if (!seen.contains(uid) && !run.collected) {
                    // the garbage collector: a deleted TrainJob takes its JobSet, Jobs and pods with it
                    run.collected = true;
                    run.done = true;
                    removePods(Map.of(JOBSET_NAME, run.name));
                }
            });
        } catch (RuntimeException e) {
            System.err.println("fake trainer: " + e);
        }
    }

    private void step(GenericKubernetesResource trainJob, Run run) {
        if (heldByKueue(trainJob, run)) {
            return;
        }
        if (run.completing) {
            setCondition(run, "Complete", "True", "AllJobsCompleted", "jobset completed successfully");
            run.done = true;
            return;
        }
        if (run.nodes == null) {
            createPods(trainJob, run);
            return;
        }
        run.ticks++;
        for (Node node : run.nodes) {
            if (node.ending == null) {
                stepNode(node, run.ticks);
            } else if (node.ending == Ending.PREEMPT) {
                finishTermination(node, run.ticks);
            }
        }
        if (run.brokenAt == null) {
            if (run.nodes.stream().anyMatch(Node::lost)) {
                run.brokenAt = run.ticks;
            } else if (run.nodes.stream().allMatch(n -> n.ending == Ending.SUCCEED)) {
                run.completing = true;
            }
        } else if (run.ticks == run.brokenAt + 1) {
            // the ranks still in the collectives notice the lost peer and abort
            for (Node node : run.nodes) {
                if (node.ending == null && node.running) {
                    terminate(node.pod, "Failed", 1, PEER_LOST, status -> {
                    });
                    node.ending = Ending.FAIL;
                    node.endedAt = run.ticks;
                }
            }
        } else {
            restart(run);
        }
    }

    /** Kueue suspends a TrainJob of a queue until it is admitted; the Trainer mirrors that in its Suspended condition. */
    private boolean heldByKueue(GenericKubernetesResource trainJob, Run run) {
        Map<String, String> labels = trainJob.getMetadata().getLabels();
        if (labels == null || !labels.containsKey(Labels.KUEUE_QUEUE) || run.script.queueTicks() == 0) {
            return false;
        }
        boolean suspended = Boolean.TRUE.equals(trainJob.get("spec", "suspend"));
        if (run.queued < run.script.queueTicks()) {
            run.queued++;
            if (!suspended) {
                setSuspend(run, true);
                setCondition(run, "Suspended", "True", "Suspended", "TrainJob is suspended");
            }
            return true;
        }
        if (suspended) {
            setSuspend(run, false);
            setCondition(run, "Suspended", "False", "Resumed", "TrainJob is resumed");
            return true;
        }
        return false;
    }

    /** JobSet restarts the whole group after a lost node, or gives up when the script has no further attempt. */
    private void restart(Run run) {
        if (run.attempt + 1 >= run.script.attempts().size()) {
            setCondition(run, "Failed", "True", "FailedJobs", "jobset failed due to one or more job failures");
            run.done = true;
            // the failed pods stay, for their logs and messages; a preempted one finishes going
            run.nodes.stream().filter(n -> n.ending == Ending.PREEMPT).forEach(n -> removePod(n.pod));
            return;
        }
        // JobSet deletes the attempt's Jobs in the foreground: their pods are gone before the next attempt's come
        removePods(Map.of(JOBSET_NAME, run.name, RESTART_ATTEMPT, Integer.toString(run.attempt)));
        run.attempt++;
        run.nodes = null;
        run.brokenAt = null;
        run.ticks = 0;
    }

    private void stepNode(Node node, int tick) {
        PodScript ps = node.script;
        node.ticks++;
        if (!node.running) {
            if (!ps.schedulable()) {
                unschedulable(node.pod, node.ticks);
            } else if (ps.waitingReason() == null && node.ticks >= ps.pendingTicks()) {
                node.running = true;
                node.ticks = 0;
                editPodStatus(node.pod, status -> {
                    status.setPhase("Running");
                    status.setContainerStatuses(new ArrayList<>(List.of(new ContainerStatusBuilder().withName(NODE)
                            .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(now()).endRunning()
                                    .build())
                            .build())));
                });
            }
            return;
        }
        if (node.ticks < ps.runningTicks()) {
            return;
        }
        switch (ps.ending()) {
            case SUCCEED -> terminate(node.pod, "Succeeded", 0, ps.message(), status -> {
            });
            case FAIL -> terminate(node.pod, "Failed", ps.exitCode(), ps.message(), status -> {
            });
            case DISRUPT -> terminate(node.pod, "Failed", ps.exitCode(), null, FakeTrainer::disruptionTarget);
            case PREEMPT -> {
                // kube-scheduler's preemption: the condition first, then a graceful delete
                client.pods().inNamespace(namespace).withName(node.pod).edit(p -> {
                    p.getMetadata().getFinalizers().add(TERMINATION_FINALIZER);
                    return p;
                });
                editPodStatus(node.pod, FakeTrainer::disruptionTarget);
                client.pods().inNamespace(namespace).withName(node.pod).delete();
            }
            case HANG -> {
                return;
            }
        }
        node.ending = ps.ending();
        node.endedAt = tick;
    }

    /** A preempted pod's container stops a tick after the delete (killed at the end of its grace), then it goes. */
    private void finishTermination(Node node, int tick) {
        if (tick == node.endedAt + 1) {
            terminate(node.pod, "Failed", node.script.exitCode(), null, status -> {
            });
        } else if (tick == node.endedAt + 2) {
            removePod(node.pod);
        }
    }

    private static void disruptionTarget(PodStatus status) {
        status.getConditions().add(new PodConditionBuilder().withType("DisruptionTarget").withStatus("True")
                .withReason("PreemptionByScheduler").withLastTransitionTime(now()).build());
    }

    /** The scheduler's verdict on a pod no node fits; the node count in its message moves as nodes come and go. */
    private void unschedulable(String pod, int ticks) {
        if (ticks < 2) {
            return;
        }
        editPodStatus(pod, status -> status.setConditions(new ArrayList<>(List.of(new PodConditionBuilder()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/" + (3 + ticks % 4) + " nodes are available: " + (3 + ticks % 4)
                        + " Insufficient nvidia.com/gpu")
                .build()))));
    }

    private void terminate(String pod, String phase, int exitCode, String message, Consumer<PodStatus> more) {
        editPodStatus(pod, status -> {
            status.setPhase(phase);
            status.setContainerStatuses(new ArrayList<>(List.of(new ContainerStatusBuilder().withName(NODE)
                    .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode)
                            .withMessage(message).withFinishedAt(now()).endTerminated().build())
                    .build())));
            more.accept(status);
        });
    }

    private void removePods(Map<String, String> labels) {
        client.pods().inNamespace(namespace).withLabels(labels).list().getItems()
                .forEach(p -> removePod(p.getMetadata().getName()));
    }

    /** Deletes the pod, ending a graceful termination that is still under way. */
    private void removePod(String pod) {
        var resource = client.pods().inNamespace(namespace).withName(pod);
        Pod current = resource.get();
        if (current == null) {
            return;
        }
        if (current.getMetadata().getFinalizers().contains(TERMINATION_FINALIZER)) {
            // on a pod being deleted, dropping the last finalizer removes it
            resource.edit(p -> {
                p.getMetadata().getFinalizers().remove(TERMINATION_FINALIZER);
                return p;
            });
        }
        resource.delete();
    }

    private void editPodStatus(String pod, Consumer<PodStatus> change) {
        client.pods().inNamespace(namespace).withName(pod).editStatus(p -> {
            change.accept(p.getStatus());
            return p;
        });
    }

    /** JobSet's Job (indexed, one pod per node) makes the pods of the current attempt, all at once. */
    private void createPods(GenericKubernetesResource trainJob, Run run) {
        Attempt attempt = run.script.attempts().get(run.attempt);
        int numNodes = ((Number) Objects.requireNonNull(trainJob.get("spec", "trainer", "numNodes"),
                "spec.trainer.numNodes")).intValue();
        if (attempt.nodes().size() != numNodes) {
            run.done = true;
            throw new IllegalStateException("the script of " + run.name + " has " + attempt.nodes().size()
                    + " node(s) in attempt " + run.attempt + "; the TrainJob asks for " + numNodes);
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < numNodes; i++) {
            // as the Job controller names the pods of an indexed Job: <job>-<index>-<random>
            String pod = run.name + "-" + NODE + "-0-" + i + "-" + randomSuffix();
            nodes.add(new Node(i, attempt.nodes().get(i), pod));
            createPod(trainJob, run, nodes.get(i), numNodes);
        }
        run.nodes = nodes;
    }

    private void createPod(GenericKubernetesResource trainJob, Run run, Node node, int numNodes) {
        var serialization = client.getKubernetesSerialization();
        Map<String, Object> template = podTemplatePatch(trainJob);
        ObjectMeta templateMeta = template.get("metadata") == null ? new ObjectMeta()
                : serialization.convertValue(template.get("metadata"), ObjectMeta.class);
        PodSpec spec = template.get("spec") == null ? new PodSpec()
                : serialization.convertValue(template.get("spec"), PodSpec.class);

        Container container = spec.getContainers().stream().filter(c -> NODE.equals(c.getName())).findFirst()
                .orElseGet(() -> {
                    Container c = new Container();
                    c.setName(NODE);
                    spec.getContainers().add(c);
                    return c;
                });
        Map<String, Object> trainer = trainJob.get("spec", "trainer");
        container.setImage((String) trainer.get("image"));
        container.setCommand(strings(trainer.get("command")));
        container.setArgs(strings(trainer.get("args")));
        List<EnvVar> env = new ArrayList<>();
        if (trainer.get("env") instanceof List<?> list) {
            list.forEach(e -> env.add(serialization.convertValue(e, EnvVar.class)));
        }
        // what the Trainer's torch plugin sets for torchrun
        env.add(new EnvVar("PET_NNODES", Integer.toString(numNodes), null));
        env.add(new EnvVar("PET_NPROC_PER_NODE", String.valueOf(trainer.get("numProcPerNode")), null));
        env.add(new EnvVar("PET_NODE_RANK", Integer.toString(node.index), null));
        env.add(new EnvVar("PET_MASTER_ADDR", run.name + "-" + NODE + "-0-0." + run.name, null));
        env.add(new EnvVar("PET_MASTER_PORT", "29400", null));
        container.setEnv(env);
        if (trainer.get("resourcesPerNode") != null) {
            container.setResources(serialization.convertValue(trainer.get("resourcesPerNode"),
                    ResourceRequirements.class));
        }
        spec.setRestartPolicy("Never");

        String index = Integer.toString(node.index);
        Map<String, String> labels = new LinkedHashMap<>(Objects.requireNonNullElse(templateMeta.getLabels(), Map.of()));
        labels.put(JOBSET_NAME, run.name);
        labels.put(REPLICATED_JOB, NODE);
        labels.put(JOB_INDEX, "0");
        labels.put(RESTART_ATTEMPT, Integer.toString(run.attempt));
        labels.put(JOB_NAME, run.name + "-" + NODE + "-0");
        labels.put(COMPLETION_INDEX, index);
        Map<String, String> annotations = new LinkedHashMap<>(
                Objects.requireNonNullElse(templateMeta.getAnnotations(), Map.of()));
        annotations.put(COMPLETION_INDEX, index);

        Pod pod = new PodBuilder()
                .withNewMetadata()
                    .withName(node.pod)
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .withAnnotations(annotations)
                    .withCreationTimestamp(now())
                .endMetadata()
                .withSpec(spec)
                .withNewStatus()
                    .withPhase("Pending")
                .endStatus()
                .build();
        PodScript ps = node.script;
        // a pod no node fits has no condition until the scheduler's verdict, and no container status
        if (ps.schedulable()) {
            pod.getStatus().getConditions().add(
                    new PodConditionBuilder().withType("PodScheduled").withStatus("True").build());
            pod.getStatus().getContainerStatuses().add(new ContainerStatusBuilder().withName(NODE)
                    .withState(new ContainerStateBuilder().withNewWaiting()
                            .withReason(ps.waitingReason() != null ? ps.waitingReason() : "ContainerCreating")
                            .withMessage(ps.waitingReason() != null ? "Back-off pulling image" : null)
                            .endWaiting().build())
                    .build());
        }
        // a real API server ignores the status of a create: it is set through the status subresource
        Pod createdPod = client.resource(pod).create();
        createdPod.setStatus(pod.getStatus());
        client.resource(createdPod).updateStatus();
    }

    /**
     * The pod template of the runtime patch's {@code node} replicated Job
     * (spec.runtimePatches[].trainingRuntimeSpec.template.spec.replicatedJobs[].template.spec.template), or an empty
     * map where the TrainJob has none.
     */
    private static Map<String, Object> podTemplatePatch(GenericKubernetesResource trainJob) {
        List<Map<String, Object>> patches = trainJob.get("spec", "runtimePatches");
        for (Map<String, Object> patch : patches == null ? List.<Map<String, Object>>of() : patches) {
            List<Map<String, Object>> replicatedJobs = GenericKubernetesResource.get(patch, "trainingRuntimeSpec",
                    "template", "spec", "replicatedJobs");
            for (Map<String, Object> job : replicatedJobs == null ? List.<Map<String, Object>>of() : replicatedJobs) {
                Map<String, Object> template = GenericKubernetesResource.get(job, "template", "spec", "template");
                if (NODE.equals(job.get("name")) && template != null) {
                    return template;
                }
            }
        }
        return Map.of();
    }

    private static List<String> strings(Object list) {
        return list instanceof List<?> l ? l.stream().map(String::valueOf).toList() : null;
    }

    private Resource<GenericKubernetesResource> trainJob(String name) {
        return trainJobs().withName(name);
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> trainJobs() {
        return client.genericKubernetesResources(TRAIN_JOBS).inNamespace(namespace);
    }

    /** Kueue's write: spec.suspend belongs to it, not to the operator. */
    private void setSuspend(Run run, boolean suspend) {
        trainJob(run.name).edit(t -> {
            Map<String, Object> spec = t.get("spec");
            spec.put("suspend", suspend);
            return t;
        });
    }

    /** The Trainer's write: a metav1.Condition, keyed by type; its transition time moves only when status flips. */
    @SuppressWarnings("unchecked")
    private void setCondition(Run run, String type, String status, String reason, String message) {
        trainJob(run.name).editStatus(t -> {
            Map<String, Object> st = (Map<String, Object>) t.getAdditionalProperties()
                    .computeIfAbsent("status", k -> new LinkedHashMap<String, Object>());
            List<Map<String, Object>> conditions = (List<Map<String, Object>>) st
                    .computeIfAbsent("conditions", k -> new ArrayList<Map<String, Object>>());
            Map<String, Object> previous = conditions.stream().filter(c -> type.equals(c.get("type"))).findFirst()
                    .orElse(null);
            Map<String, Object> condition = new LinkedHashMap<>();
            condition.put("type", type);
            condition.put("status", status);
            condition.put("reason", reason);
            condition.put("message", message);
            condition.put("lastTransitionTime", previous != null && status.equals(previous.get("status"))
                    ? previous.get("lastTransitionTime") : now());
            if (previous != null) {
                conditions.set(conditions.indexOf(previous), condition);
            } else {
                conditions.add(condition);
            }
            return t;
        });
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            s.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
