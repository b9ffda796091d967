package dev.plrd.cli;

import dev.plrd.api.SchemaValidator;
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

@Command(name = "plan", description = "Print the stages a ModelFamily runs, in order, with each worker command line.")
public class PlanCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "YAML file with a ModelFamily document")
    Path file;

    @Override
    public Integer call() {
        try {
            for (Manifests.Document doc : Manifests.read(file)) {
                List<Violation> violations = SchemaValidator.forModelFamily().validate(doc.spec());
                if (!violations.isEmpty()) {
                    violations.forEach(v -> System.err.println(doc.source() + ": " + doc.name() + ": " + v));
                    return WorkerContract.EXIT_INVALID_INPUT;
                }
                System.out.println("ModelFamily " + doc.name() + ":");
                for (PlannedStage s : Planner.plan(doc.typedSpec())) {
                    System.out.printf("  %-32s gpus=%d fingerprint=%s%n      plrd %s%n", s.id(), s.gpus(),
                            s.fingerprint(), String.join(" ", s.args()));
                }
            }
            return WorkerContract.EXIT_OK;
        } catch (IOException e) {
            System.err.println(e.getMessage());
            return WorkerContract.EXIT_INVALID_INPUT;
        }
    }
}
