package dev.plrd.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.cli.PlrdCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A workspace for a two-member family of the tiny model with fast settings: the base is the tiny preset with
 * random weights (no pretraining: these tests check the pipeline, not the figures) and the corpus is the one
 * {@code make run} builds, by the same script.
 */
public final class TinyFamilies {
    private TinyFamilies() {
    }

    /**
     * Writes {@code dir/family.yaml} and its workspace {@code dir/workspace} (tiny-base, corpus); the second
     * member trains for {@code secondMemberTokens}, so that a test has time to interrupt it.
     */
    public static Path write(Path dir, String secondMemberTokens) throws IOException, InterruptedException {
        Path workspace = dir.resolve("workspace");
        Process corpus = new ProcessBuilder("sh", "scripts/license-corpus.sh", workspace.resolve("corpus").toString())
                .redirectErrorStream(true).start();
        String output = new String(corpus.getInputStream().readAllBytes());
        assertThat(corpus.waitFor()).as(output).isZero();
        assertThat(PlrdCommand.commandLine().execute("init-model", "--preset", "tiny", "--to",
                workspace.resolve("tiny-base").toString(), "--seed", "1")).isZero();
        Path manifest = dir.resolve("family.yaml");
        Files.writeString(manifest, """
                apiVersion: plrd.dev/v1alpha1
                kind: ModelFamily
                metadata:
                  name: fam
                spec:
                  base:
                    uri: file://tiny-base
                  members:
                    - name: half
                      rankFraction: 0.5
                    - name: quarter
                      rankFraction: 0.25
                      training:
                        tokens: %s
                  training:
                    dataset: file://corpus
                    tokens: 1K
                    sequenceLength: 64
                    microBatch: 4
                    globalBatchTokens: "256"
                    checkpointEveryTokens: "512"
                    precision: Float32
                  evaluation:
                    tokens: "512"
                  publish:
                    repository: oci-layout://family
                """.formatted(secondMemberTokens));
        return manifest;
    }
}
