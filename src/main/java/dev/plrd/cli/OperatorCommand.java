package dev.plrd.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "operator", description = "Run the ModelFamily operator (in the cluster, or against the current kubeconfig).")
public class OperatorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Quarkus.run(OperatorApplication.class);
        return 0;
    }

    /** Keeps Quarkus up until it is told to stop; the operator itself starts with the application. */
    public static class OperatorApplication implements QuarkusApplication {
        @Override
        public int run(String... args) {
            Quarkus.waitForExit();
            return 0;
        }
    }
}
