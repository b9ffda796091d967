package dev.plrd.cli;

import dev.plrd.api.Violation;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Preset;
import dev.plrd.plan.KnownBases;
import dev.plrd.plan.MemoryPlan;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import dev.plrd.plan.WorkerContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd plan examples/mistral-7b-family.yaml",
                "  plrd plan --base-config models/my-base/config.json my-family.yaml"},
        description = {"Print the stages a ModelFamily runs, in order, with each worker command line, and each "
                + "member's training memory per GPU and time.",
                "A family whose training cannot fit its GPUs, even with activation checkpointing, is refused (exit 2)."})
public class PlanCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "YAML file with a ModelFamily document")
    Path file;

    @Option(names = "--base-config", paramLabel = "CONFIG", description = "The base's architecture for the memory "
            + "plan: its config.json, a checkpoint directory, or a preset (mistral-7b-shape, llama2-7b-shape). "
            + "Known for hf://mistralai/Mistral-7B-v0.1 and hf://meta-llama/Llama-2-7b-hf without it.")
    String baseConfig;

    @Spec
    CommandSpec spec;

    /** What one document plans to: its stages, and its memory predictions or why there are none. */
    private record DocumentPlan(Manifests.Document doc, List<PlannedStage> stages, List<MemoryPlan.Prediction> memory,
            String unplanned) {
    }

    /** Plans nothing unless every document of the file is valid and fits, so that the output is never a partial plan. */
    @Override
    public Integer call() throws IOException, UserError {
        Manifests.Read read = Manifests.read(file);
        boolean valid = read.problems().isEmpty();
        read.problems().forEach(System.err::println);
        for (Manifests.Document doc : read.documents()) {
            List<Violation> violations = ValidateCommand.violations(doc);
            if (!violations.isEmpty()) {
                ValidateCommand.print(doc, violations);
                valid = false;
            }
        }
        if (!valid) {
            return WorkerContract.EXIT_INVALID_INPUT;
        }
        Optional<ModelConfig> given = baseConfig == null ? Optional.empty() : Optional.of(readBaseConfig());
        List<DocumentPlan> plans = new ArrayList<>();
        for (Manifests.Document doc : read.documents()) {
            plans.add(plan(doc, given));
        }
        for (DocumentPlan p : plans) {
            MemoryPlan.refusal(p.memory()).ifPresent(message -> System.err.println(p.doc().source() + ": "
                    + p.doc().name() + ": " + message));
        }
        if (plans.stream().anyMatch(p -> MemoryPlan.refusal(p.memory()).isPresent())) {
            return WorkerContract.EXIT_INVALID_INPUT;
        }
        for (DocumentPlan p : plans) {
            System.out.println("ModelFamily " + p.doc().name() + ":");
            for (PlannedStage s : p.stages()) {
                System.out.printf("  %-32s gpus=%d fingerprint=%s%n      plrd %s%n", s.id(), s.gpus(),
                        s.fingerprint(), String.join(" ", s.args()));
            }
            if (p.unplanned() != null) {
                System.out.println("  training memory not planned: " + p.unplanned());
            } else if (!p.memory().isEmpty()) {
                MemoryTable.print(System.out, p.memory());
            }
        }
        return WorkerContract.EXIT_OK;
    }

    private static DocumentPlan plan(Manifests.Document doc, Optional<ModelConfig> given) throws IOException {
        var familySpec = doc.typedSpec();
        List<PlannedStage> stages = Planner.plan(familySpec);
        Optional<ModelConfig> base = given.or(() -> KnownBases.config(familySpec.base.uri));
        if (base.isEmpty()) {
            return new DocumentPlan(doc, stages, List.of(), "the architecture of " + familySpec.base.uri
                    + " is not known before it is fetched; pass --base-config with its config.json");
        }
        try {
            return new DocumentPlan(doc, stages, MemoryPlan.predict(familySpec, base.get()), null);
        } catch (IllegalArgumentException e) {
            return new DocumentPlan(doc, stages, List.of(), e.getMessage());
        }
    }

    private ModelConfig readBaseConfig() throws UserError, IOException {
        Path path = Path.of(baseConfig);
        if (Files.isDirectory(path)) {
            path = path.resolve(ModelConfig.FILE_NAME);
        }
        try {
            if (!Files.exists(path) && !baseConfig.contains("/")) {
                return Preset.fromId(baseConfig).config();
            }
            return ModelConfig.read(path);
        } catch (IllegalArgumentException | CheckpointException e) {
            throw new UserError("--base-config " + e.getMessage(), ErrorReport.helpHint(spec));
        }
    }
}
