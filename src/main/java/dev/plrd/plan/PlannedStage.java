package dev.plrd.plan;

import dev.plrd.api.StageName;
import java.util.List;
import java.util.Set;

/**
 * One stage of one member, ready to run: the worker arguments, how many GPUs it takes, which
 * secrets it reads, and the fingerprint of its inputs (this stage's settings and everything
 * upstream), which decides whether a finished run of it is still valid after a spec change.
 */
public record PlannedStage(
        String member,
        StageName stage,
        String fingerprint,
        List<String> args,
        int gpus,
        Set<Credentials> credentials) {

    /** {@code member/stage}, as shown in status.currentStage. */
    public String id() {
        return member + "/" + stage.id();
    }
}
