package dev.plrd.operator;

import dev.plrd.api.Durations;
import dev.plrd.api.ModelFamily;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.SchedulingSpec;
import dev.plrd.api.SchemaValidator;
import dev.plrd.api.StagePhase;
import dev.plrd.api.Violation;
import dev.plrd.plan.Defaults;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.MemoryPlan;
import dev.plrd.plan.Planner;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Reconciles a ModelFamily: validate, plan, let {@link FamilyDriver} decide, then write status
 * first and act on Jobs second, so that a Job name is always recorded before its Job exists.
 * Jobs are only ever created (never updated) and deleted (suspend, changed inputs, timeouts).
 * A train stage on several nodes runs as a Kubeflow Trainer TrainJob under the same rules; the
 * TrainJob informer starts the first time a family needs one and the API server serves them.
 */
@ControllerConfiguration(name = ModelFamilyReconciler.NAME)
@GradualRetry(maxAttempts = -1, initialInterval = 1_000, maxInterval = 300_000)
public class ModelFamilyReconciler implements Reconciler<ModelFamily> {
    public static final String NAME = "modelfamily";
    private static final String TRAIN_JOBS = "trainjobs";
    /** How often a family waiting for Kubeflow Trainer asks the API server whether TrainJobs are served now. */
    static final Duration TRAINER_RECHECK = Duration.ofMinutes(1);
    private static final Logger LOG = Logger.getLogger(ModelFamilyReconciler.class);

    private final JobFactory jobs;
    private final StageEvents events;
    private final StageMetrics metrics;
    private final OperatorConfig config;
    private final ImagePolicy images;
    private final TrainJobFactory trainJobs;

    public ModelFamilyReconciler(JobFactory jobs, TrainJobFactory trainJobs, StageEvents events, StageMetrics metrics,
            OperatorConfig config, ImagePolicy images) {
        this.jobs = jobs;
        this.trainJobs = trainJobs;
        this.events = events;
        this.metrics = metrics;
        this.config = config;
        this.images = images;
    }

    @Override
    public List<EventSource<?, ModelFamily>> prepareEventSources(EventSourceContext<ModelFamily> context) {
        var jobSource = new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, ModelFamily.class)
                .withName("jobs")
                .withLabelSelector(Labels.SELECTOR)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ModelFamily.class))
                .build(), context);
        var podSource = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, ModelFamily.class)
                .withName("pods")
                .withLabelSelector(Labels.SELECTOR)
                .withSecondaryToPrimaryMapper(
                        Mappers.fromAnnotation(Labels.FAMILY_NAME_ANNOTATION, null, ModelFamily.class))
                .build(), context);
        return List.of(jobSource, podSource);
    }

    @Override
    public UpdateControl<ModelFamily> reconcile(ModelFamily family, Context<ModelFamily> context) {
        Map<String, JobObservation.Refusal> refusals = new HashMap<>();
        Decision decision = decideAndAct(family, context, family.getStatus(), refusals);
        if (!refusals.isEmpty()) {
            // A refused create is an observation like any other: decide again with it, so that the
            // stage fails with the server's reason, and that is written before anything else happens.
            decision = decideAndAct(decision.family(), context, decision.outcome().status(), refusals);
        }
        FamilyDriver.Outcome outcome = decision.outcome();
        Duration resync = config.resyncInterval();
        Duration wait = outcome.recheckAt() == null ? resync
                : Duration.between(Instant.now(), outcome.recheckAt()).plusSeconds(1);
        return UpdateControl.<ModelFamily>noUpdate().rescheduleAfter(wait.compareTo(resync) < 0 ? wait : resync);
    }

    /** The family as last written, and what was decided for it. */
    private record Decision(ModelFamily family, FamilyDriver.Outcome outcome) {
    }

    /** One decision: write the status it gives, then act on the Jobs; creates the server refuses go into refusals. */
    private Decision decideAndAct(ModelFamily family, Context<ModelFamily> context,
            ModelFamilyStatus previous, Map<String, JobObservation.Refusal> refusals) {
        Instant now = Instant.now();
        long generation = Objects.requireNonNullElse(family.getMetadata().getGeneration(), 0L);
        List<Violation> violations = new ArrayList<>(SchemaValidator.forModelFamily().validate(family.getSpec()));
        violations.addAll(images.violations(family.getSpec()));
        if (violations.isEmpty()) {
            MemoryPlan.refusal(family.getSpec())
                    .ifPresent(tooBig -> violations.add(new Violation("spec.scheduling.gpu", tooBig)));
        }

        FamilyDriver.Outcome outcome;
        if (!violations.isEmpty()) {
            outcome = new FamilyDriver.Outcome(FamilyDriver.invalid(previous, generation, violations, now), List.of(),
                    null);
        } else {
            List<PlannedStage> plan = Planner.plan(family.getSpec());
            OptionalInt nodes = multiNodeStageToRun(plan, previous);
            Optional<Unusable> trainer = nodes.isPresent() ? trainJobsUnusable(context, nodes.getAsInt())
                    : Optional.empty();
            if (trainer.isPresent()) {
                // no event says that Trainer was installed or the access granted: look again soon, not at the resync
                outcome = new FamilyDriver.Outcome(FamilyDriver.refused(previous, generation, trainer.get().reason(),
                        trainer.get().message(), now), List.of(), now.plus(TRAINER_RECHECK));
            } else {
                outcome = FamilyDriver.drive(new FamilyDriver.Inputs(family.getSpec(), generation, previous, plan,
                        observer(context, family, refusals), jobNames(family), timeouts(family.getSpec()), now));
            }
        }

        outcome.status().workspaceClaim = Names.workspaceClaim(family.getMetadata().getName());
        ModelFamily written = family;
        if (!sameJson(previous, outcome.status())) {
            written = context.resourceOperations().jsonPatchPrimaryStatus(family, f -> {
                f.setStatus(outcome.status());
                return f;
            });
            report(family, previous, outcome.status());
        }
        for (FamilyDriver.JobRequest request : outcome.requests()) {
            switch (request.kind()) {
                case DELETE_JOB -> deleteJob(context, family, request.jobName());
                case CREATE_JOB -> createJob(context, family, request.stage(), request.jobName())
                        .ifPresent(refusal -> refusals.put(request.jobName(), refusal));
            }
        }
        return new Decision(written, outcome);
    }

    /** The nodes of the first stage that spans several and has not succeeded yet: it needs Kubeflow Trainer. */
    private static OptionalInt multiNodeStageToRun(List<PlannedStage> plan, ModelFamilyStatus previous) {
        Map<String, StagePhase> phases = new HashMap<>();
        if (previous != null) {
            previous.members.forEach(m -> m.stages.forEach(s -> phases.put(m.name + "/" + s.name.id(), s.phase)));
        }
        return plan.stream().filter(p -> p.nodes() > 1 && phases.get(p.id()) != StagePhase.Succeeded)
                .mapToInt(PlannedStage::nodes).findFirst();
    }

    /** Why TrainJobs cannot be used now: a reason of the family's conditions and its message. */
    private record Unusable(String reason, String message) {
    }

    /**
     * Whether TrainJobs can be used: the API server serves them, and their informer runs (started here the first time,
     * before any TrainJob is looked at, so that a running stage never takes its TrainJob for deleted). An informer
     * that cannot start (the operator may not list or watch TrainJobs) is removed again, to be tried at the next look.
     */
    private Optional<Unusable> trainJobsUnusable(Context<ModelFamily> context, int nodes) {
        if (trainJobSource(context).isPresent()) {
            return Optional.empty();
        }
        if (!TrainJobs.served(context.getClient())) {
            return Optional.of(new Unusable(Reasons.TRAINER_NOT_INSTALLED, TrainJobs.notInstalledMessage(nodes)));
        }
        synchronized (this) {
            if (trainJobSource(context).isPresent()) {
                return Optional.empty();
            }
            var retriever = context.eventSourceRetriever();
            try {
                retriever.dynamicallyRegisterEventSource(new InformerEventSource<>(InformerEventSourceConfiguration
                        .from(TrainJobs.GVK, ModelFamily.class)
                        .withName(TRAIN_JOBS)
                        .withLabelSelector(Labels.SELECTOR)
                        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ModelFamily.class))
                        .build(), retriever.eventSourceContextForDynamicRegistration()));
            } catch (RuntimeException e) {
                retriever.dynamicallyDeRegisterEventSource(TRAIN_JOBS);
                LOG.warnf(e, "cannot watch TrainJobs");
                return Optional.of(new Unusable(Reasons.TRAINER_UNAVAILABLE,
                        TrainJobs.unwatchableMessage(context.getClient(), nodes, e)));
            }
            LOG.infof("Kubeflow Trainer's %s is served: watching TrainJobs", TrainJobs.API_VERSION);
            return Optional.empty();
        }
    }

    /**
     * The TrainJob informer of the running operator, once a family needed it; looked up through the context each
     * time rather than kept, since it belongs to the operator that started it, not to this reconciler.
     */
    @SuppressWarnings("unchecked")
    private static Optional<InformerEventSource<GenericKubernetesResource, ModelFamily>> trainJobSource(
            Context<ModelFamily> context) {
        return context.eventSourceRetriever().getEventSourcesFor(GenericKubernetesResource.class).stream()
                .filter(source -> TRAIN_JOBS.equals(source.name()))
                .map(source -> (InformerEventSource<GenericKubernetesResource, ModelFamily>) source).findFirst();
    }

    /**
     * What each recorded Job (or TrainJob) shows, from the informers' caches. A name the caches lack is asked of the
     * API server before it counts as absent: a cache not yet filled after a start, or emptied while the operator
     * stops, must not make a running stage look deleted (which would start a new attempt).
     */
    private Function<String, JobObservation> observer(Context<ModelFamily> context, ModelFamily family,
            Map<String, JobObservation.Refusal> refusals) {
        Map<String, Job> byName = context.getSecondaryResources(Job.class).stream()
                .collect(Collectors.toMap(j -> j.getMetadata().getName(), j -> j, (a, b) -> a));
        Map<String, List<Pod>> podsByJob = context.getSecondaryResources(Pod.class).stream()
                .filter(p -> p.getMetadata().getLabels() != null && p.getMetadata().getLabels().containsKey(Labels.JOB))
                .collect(Collectors.groupingBy(p -> p.getMetadata().getLabels().get(Labels.JOB)));
        var trainJobSource = trainJobSource(context);
        Map<String, GenericKubernetesResource> trainJobsByName = trainJobSource
                .map(source -> source.getSecondaryResources(family).stream().collect(Collectors.toMap(
                        t -> t.getMetadata().getName(), t -> t, (a, b) -> a)))
                .orElse(Map.of());
        return name -> {
            if (refusals.containsKey(name)) {
                return JobObservation.refused(refusals.get(name));
            }
            List<Pod> pods = podsByJob.getOrDefault(name, List.of());
            GenericKubernetesResource trainJob = trainJobsByName.get(name);
            Job job = byName.get(name);
            if (trainJob == null && job == null) {
                String namespace = family.getMetadata().getNamespace();
                job = context.getClient().batch().v1().jobs().inNamespace(namespace).withName(name).get();
                if (job == null && trainJobSource.isPresent()) {
                    trainJob = context.getClient().genericKubernetesResources(TrainJobs.API_VERSION, TrainJobs.KIND)
                            .inNamespace(namespace).withName(name).get();
                }
            }
            return trainJob != null ? TrainJobObserver.observe(trainJob, pods) : JobObserver.observe(job, pods);
        };
    }

    private static BiFunction<PlannedStage, Integer, String> jobNames(ModelFamily family) {
        return (stage, sequence) -> Names.job(family.getMetadata().getName(), family.getMetadata().getUid(), stage,
                sequence);
    }

    private static StageStateMachine.Timeouts timeouts(ModelFamilySpec spec) {
        SchedulingSpec s = Objects.requireNonNullElseGet(spec.scheduling, SchedulingSpec::new);
        return new StageStateMachine.Timeouts(
                Durations.parse(Defaults.or(s.startupTimeout, Defaults.STARTUP_TIMEOUT)),
                Durations.parse(Defaults.or(s.runTimeout, Defaults.RUN_TIMEOUT)));
    }

    private void report(ModelFamily family, ModelFamilyStatus previous, ModelFamilyStatus next) {
        for (StageTransition t : StageTransition.between(previous, next)) {
            events.record(family, t);
            metrics.record(t);
        }
        var degraded = Conditions.find(next.conditions, Conditions.DEGRADED);
        var before = previous == null ? null : Conditions.find(previous.conditions, Conditions.DEGRADED);
        if (degraded != null && Reasons.INVALID_SPEC.equals(degraded.getReason())
                && (before == null || !Objects.equals(before.getMessage(), degraded.getMessage()))) {
            events.invalidSpec(family, degraded.getMessage());
        }
    }

    /** Creates the stage's Job (and the workspace claim first); a refusal for good is returned, not thrown. */
    private Optional<JobObservation.Refusal> createJob(Context<ModelFamily> context, ModelFamily family,
            PlannedStage stage, String jobName) {
        var claim = jobs.workspaceClaim(family);
        Optional<JobObservation.Refusal> refused = createOnce(() -> context.getClient().resource(claim).create(),
                Reasons.WORKSPACE_REJECTED, "PersistentVolumeClaim " + claim.getMetadata().getName());
        if (refused.isPresent()) {
            return refused;
        }
        if (stage.nodes() > 1) {
            var trainJob = trainJobs.trainJob(family, stage, jobName);
            var source = trainJobSource(context).orElseThrow(() -> new IllegalStateException(
                    "a TrainJob is created only after its informer started"));
            return createOnce(() -> context.resourceOperations().create(trainJob, source), Reasons.JOB_REJECTED,
                    TrainJobs.KIND + " " + jobName);
        }
        var job = jobs.job(family, stage, jobName);
        return createOnce(() -> context.resourceOperations().create(job), Reasons.JOB_REJECTED, "Job " + jobName);
    }

    /**
     * Create-only: one request, and "already exists" is the common answer. A refusal that a retry
     * would get again (RefusedCreates) comes back; anything else (429, 5xx, a lost connection) is
     * thrown for the reconcile's retry, and never fails the stage.
     */
    private static Optional<JobObservation.Refusal> createOnce(Runnable create, String reason, String object) {
        try {
            create.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                LOG.debugf("%s already exists; the stage continues with it", object);
                return Optional.empty();
            }
            if (RefusedCreates.isQuota(e)) {
                LOG.infof("%s waits for quota: %s", object, e.getMessage());
                return Optional.of(new JobObservation.Refusal(Reasons.WAITING_FOR_QUOTA,
                        RefusedCreates.describe(object, e)));
            }
            if (!RefusedCreates.isFinal(e)) {
                throw e;
            }
            LOG.warnf("the API server refused %s: %s", object, e.getMessage());
            return Optional.of(new JobObservation.Refusal(reason, RefusedCreates.describe(object, e)));
        }
        return Optional.empty();
    }

    /**
     * Deletes the stage's Job or TrainJob: a name is one or the other, and where TrainJobs are served both are asked
     * for (deleting what does not exist is a no-op), since one just created may not be in the informer's cache yet.
     */
    private static void deleteJob(Context<ModelFamily> context, ModelFamily family, String name) {
        KubernetesClient client = context.getClient();
        String namespace = family.getMetadata().getNamespace();
        if (trainJobSource(context).isPresent()) {
            client.genericKubernetesResources(TrainJobs.API_VERSION, TrainJobs.KIND).inNamespace(namespace)
                    .withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        }
        client.batch().v1().jobs().inNamespace(namespace).withName(name)
                .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    }

    private static boolean sameJson(ModelFamilyStatus a, ModelFamilyStatus b) {
        return Objects.equals(Serialization.asJson(a), Serialization.asJson(b));
    }
}
