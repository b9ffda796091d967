package dev.plrd.local;

import dev.plrd.api.MemberStatus;
import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.StageName;
import dev.plrd.api.StageOutputs;
import dev.plrd.api.StageStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The family at a glance, from its status alone: per member its size (and share of the base), ranks, held-out
 * perplexity before healing (the decomposed checkpoint) and after it, the ratio to its parent's, the training
 * tokens, the seconds its stages ran and the published digest. The first row is the base, as the first member's
 * stages measured it. A figure not measured (yet) is shown as '-'.
 */
public final class FamilyTable {
    private static final String[] HEADER = {"member", "parameters", "ranks", "ppl before", "ppl after", "ratio",
            "tokens", "seconds", "digest"};
    /** Digests are shortened as registries' tools show them; the status file has them whole. */
    private static final int DIGEST_HEX = 12;

    private FamilyTable() {
    }

    public static List<String[]> rows(ModelFamilyStatus status) {
        List<String[]> rows = new ArrayList<>();
        if (status == null || status.members.isEmpty()) {
            return rows;
        }
        StageOutputs firstDecompose = outputs(status.members.get(0), StageName.DECOMPOSE);
        StageOutputs firstEvaluate = outputs(status.members.get(0), StageName.EVALUATE);
        Long base = firstDecompose == null ? null : firstDecompose.parentParameters;
        rows.add(new String[] {"base", count(base, null), "dense", "-",
                number(firstEvaluate == null ? null : firstEvaluate.parentPerplexity), "-", "-", "-", "-"});
        for (MemberStatus m : status.members) {
            StageOutputs evaluate = outputs(m, StageName.EVALUATE);
            StageOutputs train = outputs(m, StageName.TRAIN);
            Double ratio = evaluate == null || evaluate.perplexity == null || evaluate.parentPerplexity == null ? null
                    : evaluate.perplexity / evaluate.parentPerplexity;
            rows.add(new String[] {m.name, count(m.parameters, base), m.ranks == null ? "-" : m.ranks,
                    number(evaluate == null ? null : evaluate.decomposedPerplexity), number(m.perplexity),
                    ratio == null ? "-" : String.format(Locale.ROOT, "%.3f", ratio),
                    train == null || train.tokens == null ? "-" : String.format(Locale.ROOT, "%,d", train.tokens),
                    Long.toString(seconds(m)), digest(m)});
        }
        return rows;
    }

    public static void print(ModelFamilyStatus status, PrintStream out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        rows.addAll(rows(status));
        int[] width = new int[HEADER.length];
        rows.forEach(r -> {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        });
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                // text left, figures right
                boolean left = i == 0 || i == 2 || i == r.length - 1;
                String cell = left ? String.format("%-" + width[i] + "s", r[i]) : String.format("%" + width[i] + "s", r[i]);
                line.append(i == 0 ? "" : "  ").append(cell);
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static StageOutputs outputs(MemberStatus m, StageName name) {
        return m.stages.stream().filter(s -> s.name == name && s.outputs != null).map(s -> s.outputs).findFirst()
                .orElse(null);
    }

    /** Wall time of the member's stages, from the times the status records. */
    private static long seconds(MemberStatus m) {
        long total = 0;
        for (StageStatus s : m.stages) {
            if (s.startTime != null && s.completionTime != null) {
                total += Duration.between(Instant.parse(s.startTime), Instant.parse(s.completionTime)).toSeconds();
            }
        }
        return total;
    }

    private static String count(Long parameters, Long base) {
        if (parameters == null) {
            return "-";
        }
        String n = String.format(Locale.ROOT, "%,d", parameters);
        return base == null || base == 0 ? n : String.format(Locale.ROOT, "%s (%.0f%%)", n, 100.0 * parameters / base);
    }

    private static String number(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    private static String digest(MemberStatus m) {
        if (m.artifact == null || m.artifact.digest == null) {
            return "-";
        }
        String d = m.artifact.digest;
        int colon = d.indexOf(':');
        return d.substring(0, Math.min(d.length(), colon + 1 + DIGEST_HEX));
    }
}
