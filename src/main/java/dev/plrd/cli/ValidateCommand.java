package dev.plrd.cli;

import dev.plrd.api.SchemaValidator;
import dev.plrd.api.Violation;
import dev.plrd.plan.WorkerContract;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "validate", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd validate examples/*.yaml"},
        description = "Check ModelFamily manifests against the CRD's rules, as the API server would.")
public class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML files with ModelFamily documents")
    List<Path> files;

    /** Every file is checked, whatever the ones before it held; the exit code says whether any was bad. */
    @Override
    public Integer call() {
        int code = WorkerContract.EXIT_OK;
        for (Path file : files) {
            Manifests.Read read = Manifests.read(file);
            for (Manifests.Document doc : read.documents()) {
                List<Violation> violations = violations(doc);
                if (violations.isEmpty()) {
                    System.out.println(doc.source() + ": ModelFamily " + doc.name() + " is valid");
                } else {
                    print(doc, violations);
                    code = WorkerContract.EXIT_INVALID_INPUT;
                }
            }
            read.problems().forEach(System.err::println);
            if (!read.problems().isEmpty()) {
                code = WorkerContract.EXIT_INVALID_INPUT;
            }
        }
        return code;
    }

    static List<Violation> violations(Manifests.Document doc) {
        return SchemaValidator.forModelFamily().validateObject(doc.object(), doc.duplicateFields());
    }

    /** One line per violation: {@code FILE (document N): NAME: field: message}. */
    static void print(Manifests.Document doc, List<Violation> violations) {
        violations.forEach(v -> System.err.println(doc.source() + ": " + doc.name() + ": " + v));
    }
}
