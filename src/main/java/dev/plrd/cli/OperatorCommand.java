package dev.plrd.cli;

import io.quarkus.runtime.Quarkus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "operator", description = "Run the ModelFamily operator (in the cluster, or against the current kubeconfig).")
public class OperatorCommand implements Callable<Integer> {
    /** Boots Quarkus, which starts the operator, and returns when it is told to stop. */
    @Override
    public Integer call() {
        Quarkus.run();
        return 0;
    }
}
