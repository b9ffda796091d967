package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.testing.SyntheticCorpus;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PLRD promise on a small scale, through the stage workers as the operator runs them: the tiny
 * model is trained on a corpus (a Markov chain over 300 invented words, tokenised on the fly with
 * the tiny byte-level tokenizer), decomposed to half its parameters (its perplexity jumps), then
 * healed by continual pretraining on under a third of the tokens it was trained on.
 *
 * <p>Thresholds, from runs on a 2-core CPU (parent 4.01, decomposed 4.23, healed 2.98): the jump
 * must be at least 3% (measured 5%; a brief pretraining on this small a task leaves less in the
 * dropped singular directions than a real model has), and the healed model must win back at least
 * 70% of it. The parent is not trained to convergence, so healing also keeps learning and lands
 * below the parent; 70% rather than 100% leaves room for machines whose float rounding differs.
 */
class HealingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void continualPretrainingWinsBackMostOfThePerplexityLostToDecomposition() throws IOException {
        Path corpus = dir.resolve("corpus.jsonl");
        SyntheticCorpus.writeJsonLines(corpus, 3000, 300, 5);
        ok(Plrd.run("init-model", "--preset", "tiny", "--to", dir.resolve("base"), "--seed", "1"));

        train("base", "parent", "200K", "3e-3");
        double parent = perplexity("parent");
        ok(Plrd.run("decompose", "--from", dir.resolve("parent"), "--to", dir.resolve("decomposed"),
                "--target-parameters", "1.58M"));
        double decomposed = perplexity("decomposed");
        train("decomposed", "healed", "60K", "1e-3");
        double healed = perplexity("healed");

        System.out.printf("healing: parent %.3f, decomposed %.3f, healed %.3f%n", parent, decomposed, healed);
        assertThat(decomposed).as("decomposition costs perplexity").isGreaterThan(parent * 1.03);
        assertThat((decomposed - healed) / (decomposed - parent)).as("share of the jump won back").isGreaterThan(0.7);
    }

    private void train(String from, String to, String tokens, String lr) {
        ok(Plrd.run("train", "--from", dir.resolve(from), "--to", dir.resolve(to), "--data", dir.resolve("corpus.jsonl"),
                "--tokens", tokens, "--seq-len", "128", "--micro-batch", "8", "--global-batch-tokens", "1024",
                "--lr", lr, "--warmup", "10", "--cache", dir.resolve("cache")));
    }

    private double perplexity(String model) throws IOException {
        Path result = dir.resolve(model + "-evaluate.json");
        ok(Plrd.run("evaluate", "--model", dir.resolve(model), "--data", dir.resolve("corpus.jsonl"), "--tokens", "8K",
                "--seq-len", "128", "--cache", dir.resolve("cache"), "--result", result));
        return JSON.readTree(result.toFile()).get("perplexity").asDouble();
    }

    private static void ok(Plrd.Run run) {
        assertThat(run.code()).as(run.err()).isZero();
    }
}
