package dev.plrd.operator;

import dev.plrd.plan.Fingerprint;
import dev.plrd.plan.PlannedStage;

/**
 * Deterministic names for what the operator creates. A Job name is
 * {@code <family>-<member>-<stage>-<hash>-<n>}, shortened to the 63 characters a label value
 * allows (the Job controller labels pods with it); the hash covers the family's uid and the
 * stage's fingerprint, and {@code n} counts the Jobs the stage ever had (StageStatus.jobsCreated,
 * which no rerun resets), so names never collide across re-creations of a family, reruns, or
 * inputs that change and change back.
 */
final class Names {
    static final int LABEL_MAX = 63;

    private Names() {
    }

    static String job(String family, String familyUid, PlannedStage stage, int sequence) {
        String hash = hash(familyUid + "/" + stage.id() + "/" + stage.fingerprint(), 5);
        String suffix = "-" + hash + "-" + sequence;
        return fit(family + "-" + stage.member() + "-" + stage.stage().id(), LABEL_MAX - suffix.length()) + suffix;
    }

    static String workspaceClaim(String family) {
        return fit(family, 253 - "-workspace".length()) + "-workspace";
    }

    /** A label value for any name: the name itself when short enough, else a prefix and a hash. */
    static String labelValue(String name) {
        if (name.length() <= LABEL_MAX) {
            return name;
        }
        return fit(name, LABEL_MAX - 9) + "-" + hash(name, 8);
    }

    /** A prefix of at most max characters that does not end in '-' (DNS names may not). */
    private static String fit(String name, int max) {
        String cut = name.length() <= max ? name : name.substring(0, max);
        while (cut.endsWith("-") || cut.endsWith(".")) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut;
    }

    private static String hash(String text, int length) {
        return Fingerprint.hex(text, length);
    }
}
