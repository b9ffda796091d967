package dev.plrd.local;

import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.SchedulingSpec;
import dev.plrd.operator.FamilyDriver;
import dev.plrd.operator.JobObservation;
import dev.plrd.operator.StageStateMachine;
import dev.plrd.plan.Defaults;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import dev.plrd.plan.WorkerContract;
import dev.plrd.plan.Workspace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A family on one machine: the operator's {@link FamilyDriver} and stage state machine decide, as in a cluster,
 * and this executor stands in for the Job controller. A Job here is one in-process run of the stage worker with
 * the planned arguments (retried within the spec's retry budget when it fails for a reason a retry can fix); its
 * result is the stage's report in the workspace, read as the operator reads a termination message.
 *
 * <p>The status file is written after every transition, and a Job lives only as long as this process: after an
 * interruption the driver finds the running stage's Job gone and starts a new attempt, which resumes training from
 * its saved state; finished stages stay finished.
 */
public final class LocalFamilyRun {
    /** No scheduler stands between a local Job and its start, and a Job runs to its end in this process. */
    private static final StageStateMachine.Timeouts TIMEOUTS =
            new StageStateMachine.Timeouts(Duration.ofDays(365_000), Duration.ofDays(365_000));
    /** The reasons the Job controller gives a failed Job: its retries spent, or a permanent exit code. */
    private static final String BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded";
    private static final String POD_FAILURE_POLICY = "PodFailurePolicy";

    /** Runs one stage's worker in this process, as its pod would, and returns the exit code. */
    @FunctionalInterface
    public interface StageRunner {
        int run(PlannedStage stage);
    }

    /** Told when a stage's Job starts and ends, for progress lines. */
    public interface Listener {
        void started(PlannedStage stage, int index, int total);

        void finished(PlannedStage stage, int exitCode);
    }

    private final String name;
    private final ModelFamilySpec spec;
    private final String specDigest;
    private final List<PlannedStage> plan;
    private final Path statusFile;
    private final StageRunner runner;
    private final Listener listener;
    private final Clock clock;
    private final int retries;
    private final AtomicBoolean stopping = new AtomicBoolean();

    /**
     * @param specDigest {@link StatusFile#digest} of the manifest's spec: a new one is a new generation
     */
    public LocalFamilyRun(String name, ModelFamilySpec spec, String specDigest, Workspace workspace, Path statusFile,
            StageRunner runner, Listener listener, Clock clock) {
        this.name = name;
        this.spec = spec;
        this.specDigest = specDigest;
        this.plan = Planner.plan(spec, workspace);
        this.statusFile = statusFile;
        this.runner = runner;
        this.listener = listener;
        this.clock = clock;
        SchedulingSpec scheduling = Objects.requireNonNullElseGet(spec.scheduling, SchedulingSpec::new);
        this.retries = Defaults.or(scheduling.retries, Defaults.RETRIES);
    }

    public List<PlannedStage> plan() {
        return plan;
    }

    /**
     * From a stop request on (Ctrl-C, SIGTERM) no new Job starts and the one running is not judged: it was
     * interrupted, not failed, and the next run starts it again.
     */
    public void stop() {
        stopping.set(true);
    }

    /** Drives the family until nothing is left to run (all published, a stage failed, suspended or stopped). */
    public ModelFamilyStatus run() throws IOException {
        StatusFile recorded = StatusFile.read(statusFile);
        long generation = recorded.generationFor(specDigest);
        ModelFamilyStatus status = recorded.status();
        Map<String, JobObservation> jobs = new HashMap<>();
        Map<String, PlannedStage> toRun = new HashMap<>();
        while (true) {
            Instant now = clock.instant();
            FamilyDriver.Outcome outcome = FamilyDriver.drive(new FamilyDriver.Inputs(spec, generation, status, plan,
                    job -> jobs.getOrDefault(job, JobObservation.ABSENT), this::jobName, TIMEOUTS, now));
            status = outcome.status();
            new StatusFile(generation, specDigest, status).write(statusFile, name);
            for (FamilyDriver.JobRequest request : outcome.requests()) {
                switch (request.kind()) {
                    case DELETE_JOB -> {
                        jobs.remove(request.jobName());
                        toRun.remove(request.jobName());
                    }
                    case CREATE_JOB -> {
                        if (!jobs.containsKey(request.jobName()) && !stopping.get()) {
                            jobs.put(request.jobName(), running(request.jobName(), now));
                            toRun.put(request.jobName(), request.stage());
                        }
                    }
                }
            }
            if (!outcome.requests().isEmpty()) {
                // the driver sees the Job it asked for before it runs: the stage is Running in the status file
                continue;
            }
            if (toRun.isEmpty() || stopping.get()) {
                return status;
            }
            String job = toRun.keySet().iterator().next();
            JobObservation ended = execute(job, toRun.remove(job), jobs.get(job).created());
            if (ended == null) {
                return status;
            }
            jobs.put(job, ended);
        }
    }

    /** Deterministic names, numbered by the Jobs the stage ever had, as the operator's are. */
    private String jobName(PlannedStage stage, int sequence) {
        return name + "-" + stage.member() + "-" + stage.stage().id() + "-" + sequence;
    }

    /**
     * Runs the Job's pods one after another until one succeeds, one fails for good, or the retry budget is spent;
     * null when a stop request cut it short.
     */
    private JobObservation execute(String job, PlannedStage stage, Instant created) throws IOException {
        Path report = Path.of(flag(stage.args(), WorkerContract.Flags.REPORT));
        int index = plan.indexOf(stage);
        int failed = 0;
        while (true) {
            // a report left by an earlier attempt must not pass for this one's result
            Files.deleteIfExists(report);
            String pod = job + "-" + (failed + 1);
            listener.started(stage, index, plan.size());
            int exit = runner.run(stage);
            listener.finished(stage, exit);
            if (stopping.get()) {
                return null;
            }
            String result = Files.exists(report) ? Files.readString(report, StandardCharsets.UTF_8) : null;
            if (exit == WorkerContract.EXIT_OK) {
                return new JobObservation(true, created, created, false, JobObservation.Outcome.SUCCEEDED, null,
                        failed, pod, Set.of(), null, exit, result, null, false);
            }
            failed++;
            boolean permanent = WorkerContract.PERMANENT_EXIT_CODES.contains(exit);
            if (permanent || failed > retries) {
                return new JobObservation(true, created, created, false, JobObservation.Outcome.FAILED,
                        permanent ? POD_FAILURE_POLICY : BACKOFF_LIMIT_EXCEEDED, failed, pod, Set.of(pod), null, exit,
                        result, null, false);
            }
        }
    }

    /** A Job whose pod runs: what the Job controller shows right after the create. */
    private static JobObservation running(String job, Instant now) {
        return new JobObservation(true, now, now, false, JobObservation.Outcome.NONE, null, 0, job + "-1", Set.of(),
                new JobObservation.PodView(true, true, false, null, null, now, now), null, null, null, false);
    }

    private static String flag(List<String> args, String flag) {
        int i = args.indexOf(flag);
        if (i < 0 || i + 1 >= args.size()) {
            throw new IllegalStateException("the planned " + args.get(0) + " stage has no " + flag);
        }
        return args.get(i + 1);
    }
}
