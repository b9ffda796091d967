package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.StageName;
import dev.plrd.api.StagePhase;
import dev.plrd.api.StageStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which stage transitions become Events: those a user acts on, not every step of a pod's startup. */
class StageTransitionTest {
    private static StageStatus stage(StagePhase phase, String reason, String message) {
        StageStatus s = StageStateMachine.pending(StageName.TRAIN, "0123456789abcdef");
        s.phase = phase;
        s.reason = reason;
        s.message = message;
        return s;
    }

    /** The reasons that would become Events, along a sequence of recorded statuses. */
    private static List<String> eventsAlong(StageStatus... statuses) {
        List<String> events = new ArrayList<>();
        StageStatus before = null;
        for (StageStatus after : statuses) {
            if (new StageTransition("m1", before, after).worthAnEvent()) {
                events.add(after.phase + "/" + after.reason);
            }
            before = after;
        }
        return events;
    }

    @Test
    void aPodThatWaitsForCapacityForManyReconcilesGivesOneEventForTheWait() {
        List<StageStatus> statuses = new ArrayList<>();
        statuses.add(stage(StagePhase.Pending, Reasons.WAITING_FOR_PREVIOUS, null));
        statuses.add(stage(StagePhase.Starting, Reasons.SUBMITTED, "Job requested"));
        statuses.add(stage(StagePhase.Starting, Reasons.SCHEDULING, null));
        for (int i = 0; i < 50; i++) {
            statuses.add(stage(StagePhase.Starting, Reasons.WAITING_FOR_CAPACITY,
                    "0/" + (3 + i % 4) + " nodes are available: Insufficient nvidia.com/gpu"));
        }
        statuses.add(stage(StagePhase.Starting, Reasons.CONTAINER_CREATING, null));
        statuses.add(stage(StagePhase.Starting, "PodInitializing", null));
        statuses.add(stage(StagePhase.Running, Reasons.RUNNING, "attempt 1"));
        statuses.add(stage(StagePhase.Running, Reasons.RUNNING, "attempt 1, still"));
        statuses.add(stage(StagePhase.Failed, Reasons.RETRIES_EXHAUSTED, "3 failed pod(s)"));

        assertThat(eventsAlong(statuses.toArray(StageStatus[]::new))).containsExactly(
                "Starting/" + Reasons.SUBMITTED,
                "Starting/" + Reasons.WAITING_FOR_CAPACITY,
                "Running/" + Reasons.RUNNING,
                "Failed/" + Reasons.RETRIES_EXHAUSTED);
    }

    @Test
    void everyNewWaitInTheQueueOrForCapacityIsAnEvent() {
        assertThat(eventsAlong(
                stage(StagePhase.Starting, Reasons.SUBMITTED, null),
                stage(StagePhase.Starting, Reasons.QUEUED, "Kueue holds the Job"),
                stage(StagePhase.Starting, Reasons.SCHEDULING, null),
                stage(StagePhase.Starting, Reasons.WAITING_FOR_CAPACITY, "0/3 nodes"),
                stage(StagePhase.Running, Reasons.RUNNING, null),
                stage(StagePhase.Starting, Reasons.WAITING_FOR_CAPACITY, "preempted; 0/3 nodes")))
                .containsExactly("Starting/" + Reasons.SUBMITTED, "Starting/" + Reasons.QUEUED,
                        "Starting/" + Reasons.WAITING_FOR_CAPACITY, "Running/" + Reasons.RUNNING,
                        "Starting/" + Reasons.WAITING_FOR_CAPACITY);
    }

    @Test
    void aStageFirstSeenPendingIsNoEventButOneFirstSeenActiveIs() {
        assertThat(new StageTransition("m1", null, stage(StagePhase.Pending, Reasons.WAITING_FOR_PREVIOUS, null))
                .worthAnEvent()).isFalse();
        assertThat(new StageTransition("m1", null, stage(StagePhase.Starting, Reasons.SUBMITTED, null))
                .worthAnEvent()).isTrue();
    }
}
