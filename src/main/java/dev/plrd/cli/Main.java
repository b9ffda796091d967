package dev.plrd.cli;

import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The one entry point of the image: {@code plrd operator} boots Quarkus and runs the operator;
 * every other command (the stage workers, validate, plan) runs as plain Java with no Quarkus
 * boot, no HTTP server and no Kubernetes client.
 */
@QuarkusMain
public class Main {
    public static void main(String... args) {
        System.exit(PlrdCommand.commandLine().execute(args));
    }
}
