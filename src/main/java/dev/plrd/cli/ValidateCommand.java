package dev.plrd.cli;

import dev.plrd.api.SchemaValidator;
import dev.plrd.api.Violation;
import dev.plrd.plan.WorkerContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "validate", description = "Check ModelFamily manifests against the CRD's rules, as the API server would.")
public class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML files with ModelFamily documents")
    List<Path> files;

    @Override
    public Integer call() {
        int code = WorkerContract.EXIT_OK;
        for (Path file : files) {
            try {
                for (Manifests.Document doc : Manifests.read(file)) {
                    List<Violation> violations = SchemaValidator.forModelFamily().validate(doc.spec());
                    if (violations.isEmpty()) {
                        System.out.println(doc.source() + ": ModelFamily " + doc.name() + " is valid");
                    } else {
                        violations.forEach(v -> System.err.println(doc.source() + ": " + doc.name() + ": " + v));
                        code = WorkerContract.EXIT_INVALID_INPUT;
                    }
                }
            } catch (IOException e) {
                System.err.println(e.getMessage());
                code = WorkerContract.EXIT_INVALID_INPUT;
            }
        }
        return code;
    }
}
