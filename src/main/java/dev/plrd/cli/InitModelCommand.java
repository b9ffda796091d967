package dev.plrd.cli;

import dev.plrd.data.ByteLevelTokenizerJson;
import dev.plrd.data.TextTokenizer;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Preset;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.ParameterCount;
import dev.plrd.plan.WorkerContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = "Write a Llama checkpoint in Hugging Face layout from a preset: tiny (random weights and a "
                + "byte-level BPE tokenizer.json), "
                + "mistral-7b-shape or llama2-7b-shape (config only, for planning and dry runs).")
public class InitModelCommand implements Callable<Integer> {
    @Option(names = "--preset", required = true, paramLabel = "NAME", description = "tiny, mistral-7b-shape, llama2-7b-shape")
    String preset;

    @Option(names = "--to", required = true, paramLabel = "DIR")
    Path to;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Preset p;
        try {
            p = Preset.fromId(preset);
        } catch (IllegalArgumentException e) {
            System.err.println("error: --preset " + e.getMessage());
            return WorkerContract.EXIT_INVALID_INPUT;
        }
        ModelConfig config = p.config();
        if (p.hasWeights()) {
            RandomInit.write(config, to, seed);
            // a model to run gets a tokenizer that fits its vocabulary, so text datasets work with no download
            ByteLevelTokenizerJson.write(to.resolve(TextTokenizer.FILE_NAME), config.vocabSize());
        } else {
            Files.createDirectories(to);
            config.write(to.resolve(ModelConfig.FILE_NAME));
        }
        System.out.printf("%s: %s, %,d parameters%s%n", to, p.id(), ParameterCount.of(config),
                p.hasWeights() ? ", seed " + seed + ", byte-level BPE tokenizer" : ", config only");
        return WorkerContract.EXIT_OK;
    }
}
