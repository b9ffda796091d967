package dev.plrd.cli;

import dev.plrd.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/** What a training run prints per step: a progress bar on a terminal, text lines in logs, or JSON lines. */
final class TrainingLog implements Trainer.Listener {
    private final boolean json;
    private final PrintStream out = System.err;
    private final Progress progress = new Progress("train");

    private TrainingLog(boolean json) {
        this.json = json;
    }

    static TrainingLog of(String format) throws StageCommand.InvalidInput {
        return switch (format) {
            case "text" -> new TrainingLog(false);
            case "json" -> new TrainingLog(true);
            default -> throw new StageCommand.InvalidInput("--log-format " + format + ": expected text or json");
        };
    }

    @Override
    public void step(Trainer.StepReport r) {
        if (json) {
            out.printf(Locale.ROOT, "{\"step\":%d,\"steps\":%d,\"tokens\":%d,\"loss\":%.6f,\"lr\":%.6e,"
                    + "\"gradNorm\":%.6f,\"tokensPerSecond\":%.1f,\"skipped\":%b}%n", r.step(), r.steps(),
                    r.tokensSeen(), r.loss(), r.learningRate(), r.gradientNorm(), r.tokensPerSecond(), r.skipped());
            out.flush();
        } else {
            progress.step(Math.toIntExact(r.step()), Math.toIntExact(r.steps()), String.format(Locale.ROOT,
                    "loss %.4f lr %.2e grad-norm %.3f tokens %,d %,.0f tok/s%s", r.loss(), r.learningRate(),
                    r.gradientNorm(), r.tokensSeen(), r.tokensPerSecond(), r.skipped() ? " (skipped: overflow)" : ""));
        }
    }

    @Override
    public void saved(long step, Path stateDirectory) {
        if (json) {
            out.printf(Locale.ROOT, "{\"checkpoint\":%d,\"state\":\"%s\"}%n", step,
                    stateDirectory.toString().replace("\\", "\\\\").replace("\"", "\\\""));
        } else if (System.console() == null) {
            out.printf(Locale.ROOT, "train: state saved at step %d in %s%n", step, stateDirectory);
        }
    }
}
