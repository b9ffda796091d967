package dev.plrd.cli;

import io.quarkus.runtime.Quarkus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "operator", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  KUBECONFIG=~/.kube/config plrd operator    # ModelFamilies of every namespace"},
        description = "Run the ModelFamily operator (in the cluster, or against the current kubeconfig).")
public class OperatorCommand implements Callable<Integer> {
    /** Boots Quarkus, which starts the operator, and returns when it is told to stop; refuses at once without a cluster. */
    @Override
    public Integer call() throws UserError {
        ClusterAccess access = ClusterAccess.ofThisProcess();
        if (access.find().isEmpty()) {
            throw new UserError(access.lookedFor(), "point KUBECONFIG at a cluster's kubeconfig (kind create cluster"
                    + " writes ~/.kube/config); without a cluster, the stage commands (plrd decompose, train, evaluate)"
                    + " run on this machine");
        }
        Quarkus.run();
        return 0;
    }
}
