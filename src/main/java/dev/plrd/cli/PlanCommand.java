package dev.plrd.cli;

import dev.plrd.api.Violation;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import dev.plrd.plan.WorkerContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "plan", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd plan examples/mistral-7b-family.yaml"},
        description = "Print the stages a ModelFamily runs, in order, with each worker command line.")
public class PlanCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "YAML file with a ModelFamily document")
    Path file;

    /** Plans nothing unless every document of the file is valid, so that the output is never a partial plan. */
    @Override
    public Integer call() throws IOException {
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
        for (Manifests.Document doc : read.documents()) {
            System.out.println("ModelFamily " + doc.name() + ":");
            for (PlannedStage s : Planner.plan(doc.typedSpec())) {
                System.out.printf("  %-32s gpus=%d fingerprint=%s%n      plrd %s%n", s.id(), s.gpus(),
                        s.fingerprint(), String.join(" ", s.args()));
            }
        }
        return WorkerContract.EXIT_OK;
    }
}
