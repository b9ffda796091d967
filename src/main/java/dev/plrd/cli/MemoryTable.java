package dev.plrd.cli;

import dev.plrd.plan.MemoryPlan;
import dev.plrd.plan.MemoryPlan.Prediction;
import dev.plrd.plan.StepTime;
import dev.plrd.plan.TrainingMemory;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** `plrd plan`'s table of each member's training memory per GPU and time (see {@link TrainingMemory}). */
final class MemoryTable {
    private static final String ROW = "    %-16s %7s %10s %9s %9s %11s %11s %9s %9s  %-19s %8s %9s%n";

    private MemoryTable() {
    }

    static void print(PrintStream out, List<Prediction> predictions) {
        Prediction first = predictions.get(0);
        String card = first.cardBytes() == null ? "memory unknown: set scheduling.gpu.memory or a known product"
                : MemoryPlan.gib(first.cardBytes()) + " each, " + MemoryPlan.gib(TrainingMemory.usableBytes(first.cardBytes()))
                        + " usable";
        out.printf(Locale.ROOT, "  training per GPU on %d x %s (%s; time at %.0f%% MFU, assumed):%n", first.gpus(),
                first.product() == null ? "an unnamed GPU" : first.product(), card, StepTime.ASSUMED_MFU * 100);
        out.printf(Locale.ROOT, ROW, "member", "params", "seq x mb", "state", "gathered", "activations", "checkpointed",
                "logits", "peak", "fit", "step", "training");
        for (Prediction p : predictions) {
            TrainingMemory m = p.memory();
            out.printf(Locale.ROOT, ROW, p.member(), MemoryPlan.count(p.parameters()),
                    p.sequenceLength() + " x " + p.microBatch(), gib(m.state()), gib(m.gathered()), gib(m.activations()),
                    gib(m.checkpointedActivations()), gib(m.logits()), gib(p.plannedPeak()), fit(p.fit()),
                    p.step() == null ? "-" : String.format(Locale.ROOT, "%.1f s", p.step().seconds()),
                    Double.isNaN(p.trainSeconds()) ? "-" : hours(p.trainSeconds()));
        }
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (double) (1L << 30));
    }

    private static String fit(MemoryPlan.Fit fit) {
        return switch (fit) {
            case FITS -> "fits";
            case NEEDS_CHECKPOINTING -> "needs checkpointing";
            case DOES_NOT_FIT -> "DOES NOT FIT";
            case UNKNOWN_GPU -> "unknown GPU";
        };
    }

    private static String hours(double seconds) {
        Duration d = Duration.ofSeconds(Math.round(seconds));
        return String.format(Locale.ROOT, "%dh%02dm", d.toHours(), d.toMinutesPart());
    }
}
