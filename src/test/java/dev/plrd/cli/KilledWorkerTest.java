package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.JavaProcess;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stage workers as their own processes, killed the ways a pod is: SIGTERM, SIGKILL, and the JVM's own exit
 * when the heap runs out (the image runs java with -XX:+ExitOnOutOfMemoryError).
 */
class KilledWorkerTest {
    /** Big enough that decomposing it takes seconds, so that a kill lands while the member is being written. */
    private static final String MODEL = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 512, "intermediate_size": 1536,
             "num_hidden_layers": 8, "num_attention_heads": 8, "vocab_size": 4096, "rms_norm_eps": 1e-05}""";

    @TempDir
    Path dir;

    private List<Path> temporaries(String target) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("." + target + ".")).toList();
        }
    }

    /** Starts `plrd decompose` and returns once it has created its temporary directory. */
    private JavaProcess decomposing(Path base, Path log) throws Exception {
        JavaProcess worker = JavaProcess.start(Main.class, log, "decompose", "--from", base, "--to",
                dir.resolve("member"), "--rank-fraction", "0.5");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (temporaries("member").isEmpty() && worker.process().isAlive() && Instant.now().isBefore(deadline)) {
            Thread.sleep(5);
        }
        assertThat(temporaries("member")).as(Files.readString(log)).hasSize(1);
        return worker;
    }

    @Test
    void sigtermRemovesTheTemporaryDirectoryBeforeExiting() throws Exception {
        Path base = dir.resolve("base");
        RandomInit.write(ModelConfig.parse(MODEL), base, 1);
        Path log = dir.resolve("decompose.log");
        JavaProcess worker = decomposing(base, log);

        worker.process().destroy();
        int exit = worker.waitFor();

        assertThat(exit).as(Files.readString(log)).isEqualTo(128 + 15);
        assertThat(temporaries("member")).isEmpty();
        assertThat(dir.resolve("member")).doesNotExist();
    }

    @Test
    void theNextRunDeletesWhatAKilledOneLeftAndNothingElse() throws Exception {
        Path base = dir.resolve("base");
        RandomInit.write(ModelConfig.parse(MODEL), base, 1);
        JavaProcess worker = decomposing(base, dir.resolve("decompose.log"));
        worker.process().destroyForcibly();
        worker.waitFor();
        Path stale = temporaries("member").get(0);
        assertThat(stale).as("SIGKILL runs no cleanup").isDirectory();
        Path otherTarget = Files.createDirectory(dir.resolve(".member2.tmp-0123456789abcdef"));
        Path notOurs = Files.createDirectory(dir.resolve(".member.tmp-backup"));

        // the retry writes the same target from a small model, to keep the test short
        Path small = dir.resolve("small");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), small, 1);
        Plrd.Run retry = Plrd.run("decompose", "--from", small, "--to", dir.resolve("member"), "--rank-fraction", "0.5");

        assertThat(retry.code()).as(retry.err()).isZero();
        assertThat(retry.err()).contains("deleted " + stale + ", left by an earlier writer of");
        assertThat(stale).doesNotExist();
        assertThat(temporaries("member")).containsExactly(notOurs);
        assertThat(otherTarget).isDirectory();
        assertThat(dir.resolve("member").resolve("model.safetensors")).isRegularFile();
    }

    @Test
    void runningOutOfHeapExitsWithARetryableCode() throws Exception {
        // a 64 MiB embedding for a 32 MiB heap
        Path base = dir.resolve("base");
        RandomInit.write(ModelConfig.parse("""
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 512, "intermediate_size": 64,
                 "num_hidden_layers": 1, "num_attention_heads": 8, "vocab_size": 32768}"""), base, 1);
        Path log = dir.resolve("oom.log");

        JavaProcess worker = JavaProcess.start(List.of("-Xmx32m", "-XX:+ExitOnOutOfMemoryError"), Main.class, log,
                "decompose", "--from", base, "--to", dir.resolve("member"), "--rank-fraction", "0.5");
        int exit = worker.waitFor();

        assertThat(Files.readString(log)).contains("java.lang.OutOfMemoryError");
        assertThat(exit).isEqualTo(WorkerContract.EXIT_OUT_OF_MEMORY);
        assertThat(WorkerContract.PERMANENT_EXIT_CODES).doesNotContain(exit);
    }
}
