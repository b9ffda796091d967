package dev.plrd.cli;

import dev.plrd.data.ByteLevelTokenizerJson;
import dev.plrd.data.TextTokenizer;
import dev.plrd.model.AtomicFiles;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Preset;
import dev.plrd.model.RandomInit;
import dev.plrd.plan.ParameterCount;
import dev.plrd.plan.WorkerContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "init-model", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd init-model --preset tiny --to models/tiny --seed 1"},
        description = "Write a Llama checkpoint in Hugging Face layout from a preset: tiny (random weights and a "
                + "byte-level BPE tokenizer.json), "
                + "mistral-7b-shape or llama2-7b-shape (config only, for planning and dry runs).")
public class InitModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, paramLabel = "NAME", description = "tiny, mistral-7b-shape, llama2-7b-shape")
    String preset;

    @Option(names = "--to", required = true, paramLabel = "DIR",
            description = "The checkpoint directory to create; an existing one is refused unless --force.")
    Path to;

    @Option(names = "--force", description = "Replace what is at --to.")
    boolean force;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Preset p;
        try {
            p = Preset.fromId(preset);
        } catch (IllegalArgumentException e) {
            throw new UserError("--preset " + e.getMessage(), ErrorReport.helpHint(spec));
        }
        refuseExisting();
        ModelConfig config = p.config();
        if (p.hasWeights()) {
            // the checkpoint writer replaces the directory whole
            RandomInit.write(config, to, seed);
            // a model to run gets a tokenizer that fits its vocabulary, so text datasets work with no download
            ByteLevelTokenizerJson.write(to.resolve(TextTokenizer.FILE_NAME), config.vocabSize());
        } else {
            if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                // a config alone next to the weights of another model would describe them wrongly
                AtomicFiles.deleteRecursively(to);
            }
            Files.createDirectories(to);
            config.write(to.resolve(ModelConfig.FILE_NAME));
        }
        System.out.printf("%s: %s, %,d parameters%s%n", to, p.id(), ParameterCount.of(config),
                p.hasWeights() ? ", seed " + seed + ", byte-level BPE tokenizer" : ", config only");
        return WorkerContract.EXIT_OK;
    }

    /** A model, or anything else, at --to stays unless --force says to replace it; an empty directory is taken. */
    private void refuseExisting() throws UserError, IOException {
        if (force || !Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS)) {
            throw new UserError("--to " + to + ": exists and is not a directory", "pass --force to replace it");
        }
        try (Stream<Path> entries = Files.list(to)) {
            if (entries.findAny().isPresent()) {
                throw new UserError("--to " + to + ": exists and is not empty",
                        "choose another --to, or pass --force to replace it");
            }
        }
    }
}
