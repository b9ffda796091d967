package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.JavaProcess;
import dev.plrd.testing.MicroModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A preempted stage pod: `plrd train` as its own process gets SIGTERM mid-run, saves its state
 * before exiting, and the next attempt with --resume continues from that step to the end.
 */
class TrainPreemptionTest {
    @TempDir
    Path dir;

    @Test
    void sigtermSavesTheStateAndTheNextAttemptResumesFromIt() throws Exception {
        Path model = dir.resolve("model");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), model, 3);
        Path data = CountingTokens.write(dir.resolve("counting.bin"), 100_000, 96, 2);
        List<Object> args = List.of("train", "--from", model, "--to", dir.resolve("trained"), "--state", dir.resolve("state"),
                "--data", data, "--tokens", "40K", "--seq-len", "16", "--micro-batch", "4", "--global-batch-tokens", "128",
                "--checkpoint-every", "1B", "--resume");
        Path log = dir.resolve("train.log");

        JavaProcess worker = JavaProcess.start(Main.class, log, args.toArray());
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (!Files.readString(log).contains("train 3/") && Instant.now().isBefore(deadline) && worker.process().isAlive()) {
            Thread.sleep(50);
        }
        assertThat(Files.readString(log)).as("the worker reached step 3").contains("train 3/");
        worker.process().destroy(); // SIGTERM, as the kubelet sends it
        int exit = worker.waitFor();

        String output = Files.readString(log);
        assertThat(exit).as(output).isEqualTo(128 + 15);
        assertThat(output).contains("stop requested (SIGTERM)").containsPattern("state saved at step \\d+");
        String saved = Files.readString(dir.resolve("state").resolve("latest"));
        long step = Long.parseLong(saved.substring("step-".length()));
        assertThat(step).isGreaterThanOrEqualTo(3).isLessThan(312);
        assertThat(output).contains("state saved at step " + step);
        assertThat(dir.resolve("trained")).doesNotExist();

        Plrd.Run resumed = Plrd.run(args.toArray());
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resumed at step " + step + " of 312").contains("train 312/312");
        assertThat(dir.resolve("trained").resolve("model.safetensors")).exists();
    }
}
