package dev.plrd.plan;

import dev.plrd.api.StageName;
import java.util.List;
import java.util.Set;

/**
 * One stage of one member, ready to run: the worker arguments, how many GPUs it takes on how many
 * nodes, whether it computes on the PyTorch engine (and so needs the GPU image), which secrets it
 * reads, and the fingerprint of its inputs (this stage's settings and everything upstream), which
 * decides whether a finished run of it is still valid after a spec change.
 *
 * @param gpus  GPUs per node (0 for a CPU stage)
 * @param nodes nodes the stage spans: 1, or more for a train stage on several nodes (a TrainJob)
 * @param torch the stage runs the PyTorch worker (plrd_torch)
 */
public record PlannedStage(
        String member,
        StageName stage,
        String fingerprint,
        List<String> args,
        int gpus,
        int nodes,
        boolean torch,
        Set<Credentials> credentials) {

    /** {@code member/stage}, as shown in status.currentStage. */
    public String id() {
        return member + "/" + stage.id();
    }
}
