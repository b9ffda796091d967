package dev.plrd.cli;

import dev.plrd.api.ModelFamilyStatus;
import dev.plrd.api.Violation;
import dev.plrd.local.FamilyTable;
import dev.plrd.local.LocalFamilyRun;
import dev.plrd.local.StageConsole;
import dev.plrd.local.StatusFile;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.WorkerContract;
import dev.plrd.plan.Workspace;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a ModelFamily on this machine, without a cluster: the operator's stages, in this process, in a "
                + "local workspace. The status is kept in NAME.status.yaml beside the manifest; run it again to continue "
                + "after an interruption, or after editing the manifest (changed stages run again).",
        footer = {"%nExample:", "  plrd run examples/tiny-family.yaml --workspace /tmp/tiny-family --dry-run"})
public class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "YAML file with one ModelFamily document")
    Path file;

    @Option(names = "--workspace", paramLabel = "DIR",
            description = "The family's workspace (default: NAME.workspace beside the manifest); relative file:// and "
                    + "oci-layout:// URIs of the manifest lie in it.")
    Path workspace;

    @Option(names = "--dry-run", description = "Print the stages' command lines as this run would start them, and stop.")
    boolean dryRun;

    @Override
    public Integer call() throws IOException {
        Manifests.Read read = Manifests.read(file);
        read.problems().forEach(System.err::println);
        if (!read.problems().isEmpty()) {
            return WorkerContract.EXIT_INVALID_INPUT;
        }
        if (read.documents().size() != 1) {
            System.err.println(file + ": holds " + read.documents().size() + " ModelFamily documents; plrd run takes one");
            return WorkerContract.EXIT_INVALID_INPUT;
        }
        Manifests.Document doc = read.documents().get(0);
        List<Violation> violations = ValidateCommand.violations(doc);
        if (!violations.isEmpty()) {
            ValidateCommand.print(doc, violations);
            return WorkerContract.EXIT_INVALID_INPUT;
        }
        Path root = workspace != null ? workspace
                : file.toAbsolutePath().getParent().resolve(doc.name() + ".workspace");
        Workspace local = Workspace.local(root);
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.put(WorkerContract.WORKSPACE_ENV, local.root());
        Path statusPath = StatusFile.beside(file, doc.name());
        StageConsole console = new StageConsole(System.out, System.console() != null, Clock.systemUTC(),
                stage -> Path.of(local.member(stage.member()), stage.stage().id() + ".log"));
        LocalFamilyRun.StageRunner inProcess = stage -> PlrdCommand.commandLine(environment)
                .execute(stage.args().toArray(String[]::new));
        LocalFamilyRun run = new LocalFamilyRun(doc.name(), doc.typedSpec(), StatusFile.digest(doc.object().get("spec")),
                local, statusPath, console.capturing(inProcess), console, Clock.systemUTC());
        if (dryRun) {
            for (PlannedStage s : run.plan()) {
                System.out.println(WorkerContract.WORKSPACE_ENV + "=" + local.root() + " plrd " + String.join(" ", s.args()));
            }
            return WorkerContract.EXIT_OK;
        }
        System.out.println("ModelFamily " + doc.name() + ": workspace " + local.root() + ", status " + statusPath);
        Thread stop = new Thread(run::stop, "plrd-run-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        ModelFamilyStatus status = run.run();
        try {
            Runtime.getRuntime().removeShutdownHook(stop);
        } catch (IllegalStateException shuttingDown) {
            // stopped by a signal: the status file says where the next run continues
            return WorkerContract.EXIT_FAILED;
        }
        System.out.println();
        FamilyTable.print(status, System.out);
        System.out.println();
        System.out.println(doc.name() + ": " + status.phase + ", " + status.published + " published");
        status.conditions.stream().filter(c -> "Ready".equals(c.getType()) && "False".equals(c.getStatus())).findFirst()
                .ifPresent(c -> System.out.println(status.currentStage + ": " + c.getReason() + ": " + c.getMessage()));
        return "Succeeded".equals(status.phase) ? WorkerContract.EXIT_OK : WorkerContract.EXIT_FAILED;
    }
}
