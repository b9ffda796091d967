package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.CountingTokens;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stage never writes its model directory over its source: the writer replaces the target whole. */
class OutputDirectoryTest {
    @TempDir
    Path dir;
    Path parent;
    byte[] parentWeights;

    @BeforeEach
    void setUp() throws IOException {
        parent = dir.resolve("parent");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), parent, 5);
        parentWeights = Files.readAllBytes(parent.resolve("model.safetensors"));
    }

    private Plrd.Run decomposeTo(Object to) {
        return Plrd.run("decompose", "--from", parent, "--to", to, "--rank-fraction", "0.5");
    }

    private void assertRefused(Plrd.Run run, String message) throws IOException {
        assertThat(run.code()).as(run.err()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(run.err()).contains(message);
        assertThat(Files.readAllBytes(parent.resolve("model.safetensors"))).isEqualTo(parentWeights);
    }

    @Test
    void decomposeRefusesToWriteOverItsParent() throws IOException {
        assertRefused(decomposeTo(parent), "--to " + parent + " is --from " + parent
                + ": writing it would overwrite the parent checkpoint");
        assertRefused(decomposeTo(parent.resolve("..").resolve("parent")), " is --from ");
        Path link = Files.createSymbolicLink(dir.resolve("link"), parent);
        assertRefused(decomposeTo(link), "--to " + link + " is --from " + parent);
    }

    @Test
    void decomposeRefusesADirectoryInsideOrAroundItsParent() throws IOException {
        assertRefused(decomposeTo(parent.resolve("member")), "lies inside --from " + parent);
        assertRefused(decomposeTo(dir), "--to " + dir + " contains --from " + parent);
    }

    @Test
    void decomposeRefusesARegularFileAsItsTarget() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "keep me");
        assertRefused(decomposeTo(file), "--to " + file + ": is a file, not a checkpoint directory");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void trainRefusesToWriteOverItsSource() throws IOException {
        Path data = CountingTokens.write(dir.resolve("counting.bin"), 20_000, MicroModel.VOCAB, 2);
        Plrd.Run run = Plrd.run("train", "--from", parent, "--to", parent, "--data", data, "--tokens", "128",
                "--seq-len", "16", "--micro-batch", "4", "--global-batch-tokens", "64", "--state", dir.resolve("state"));
        assertRefused(run, "--to " + parent + " is --from " + parent);
    }
}
