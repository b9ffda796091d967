package dev.plrd.train;

import dev.plrd.testing.JavaProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make bench}: training and inference throughput on this CPU, each case in a process of its
 * own (see {@link ThroughputProbe}) so that the peak resident memory printed is that case's alone.
 */
@Tag("bench")
class TrainingBench {
    /** One Llama-2-7B block (hidden 4096, intermediate 11008, 32 heads) with a small vocabulary, so the block dominates. */
    static final String BLOCK_7B = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 11008,
             "num_hidden_layers": 1, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 512,
             "rms_norm_eps": 1e-05, "max_position_embeddings": 4096}""";
    /** A dense block with as many parameters as BLOCK_7B factored at rank 1024 (79.3M vs 79.9M in the projections). */
    static final String BLOCK_SAME_SIZE = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 2560, "intermediate_size": 6912,
             "num_hidden_layers": 1, "num_attention_heads": 20, "num_key_value_heads": 20, "vocab_size": 512,
             "rms_norm_eps": 1e-05, "max_position_embeddings": 4096}""";

    @TempDir
    Path dir;

    @Test
    void throughputAndPeakMemory() throws Exception {
        Path tiny = write("tiny.json", dev.plrd.model.Preset.TINY.config().toJson());
        Path block = write("block.json", BLOCK_7B);
        Path sameSize = write("same-size.json", BLOCK_SAME_SIZE);
        System.out.printf("%n== make bench: training and inference on the CPU (%d cores, float32) ==%n",
                Runtime.getRuntime().availableProcessors());
        System.out.println("training (forward, backward, clipping, AdamW), tokens per optimizer step as shown:");
        run("tiny model, dense (3.2M), 4 x 256 tokens", "train", tiny, 0, 256, 4, 3, 10);
        run("7B-width block, dense, 1 x 512 tokens", "train", block, 0, 512, 1, 1, 3);
        run("7B-width block, rank 1024, 1 x 512 tokens", "train", block, 1024, 512, 1, 1, 3);
        System.out.println("inference (one forward pass over 1 x 512 tokens, no gradients):");
        run("7B-width block, dense", "infer", block, 0, 512, 1, 2, 8);
        run("7B-width block, rank 1024", "infer", block, 1024, 512, 1, 2, 8);
        run("dense block of the same size as rank 1024", "infer", sameSize, 0, 512, 1, 2, 8);
        System.out.println();
    }

    private Path write(String name, String json) throws IOException {
        return Files.writeString(dir.resolve(name), json);
    }

    private void run(String what, String mode, Path config, int rank, int sequence, int micro, int warmup, int steps)
            throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(dir, "case");
        Path log = work.resolve("log.txt");
        JavaProcess p = JavaProcess.start(ThroughputProbe.class, log, mode, config, rank, sequence, micro, warmup, steps,
                work);
        int exit = p.waitFor();
        List<String> lines = Files.readAllLines(log);
        String result = lines.stream().filter(l -> l.startsWith("probe: ")).findFirst()
                .map(l -> l.substring("probe: ".length())).orElse("exit " + exit + ": " + String.join("\n", lines));
        System.out.printf(Locale.ROOT, "  %-45s %s, peak RSS %,.0f MiB%n", what, result, p.peakMiB());
    }
}
