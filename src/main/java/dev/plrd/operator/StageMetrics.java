package dev.plrd.operator;

import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;

/**
 * Stage metrics: transitions, and durations split into queue wait (Job requested to pod running:
 * Kueue, autoscaling, image pull) and run time (running to finished), because a slow family is
 * usually a capacity problem, not a compute one.
 */
@ApplicationScoped
public class StageMetrics {
    private final MeterRegistry registry;

    public StageMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(StageTransition t) {
        StageStatus after = t.after();
        String stage = after.name.id();
        if (t.phaseOrReasonChanged()) {
            registry.counter("plrd.stage.transitions", "stage", stage, "phase", after.phase.name(),
                    "reason", String.valueOf(after.reason)).increment();
        }
        boolean justStarted = after.startTime != null && (t.before() == null || t.before().startTime == null);
        if (justStarted && after.submitTime != null) {
            timer("plrd.stage.queue.wait", stage, null).record(between(after.submitTime, after.startTime));
        }
        boolean justFinished = (after.phase == StagePhase.Succeeded || after.phase == StagePhase.Failed)
                && (t.before() == null || t.before().phase != after.phase);
        if (justFinished && after.startTime != null && after.completionTime != null) {
            timer("plrd.stage.run.time", stage, after.phase.name()).record(between(after.startTime,
                    after.completionTime));
        }
        if (t.newInterruptions() > 0) {
            registry.counter("plrd.stage.interruptions", "stage", stage).increment(t.newInterruptions());
        }
        if (t.newRetries() > 0) {
            registry.counter("plrd.stage.retries", "stage", stage).increment(t.newRetries());
        }
    }

    private Timer timer(String name, String stage, String outcome) {
        Timer.Builder b = Timer.builder(name).tag("stage", stage);
        if (outcome != null) {
            b.tag("outcome", outcome);
        }
        return b.register(registry);
    }

    private static Duration between(String from, String to) {
        Duration d = Duration.between(Instant.parse(from), Instant.parse(to));
        return d.isNegative() ? Duration.ZERO : d;
    }
}
