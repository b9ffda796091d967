package dev.plrd.kube;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The kubectl on PATH, where there is one: the tests use it when present, and Fabric8 otherwise. */
public final class Kubectl {
    public record Result(int code, String output) {
    }

    private Kubectl() {
    }

    public static boolean installed() {
        return version() != null;
    }

    /** Debian's kubectl 1.20 embeds a kustomize too old for the {@code labels:} field; v5 renders deploy/base. */
    public static boolean hasKustomizeV5() {
        String v = version();
        return v != null && v.contains("Kustomize Version: v5");
    }

    /** Runs kubectl with the kubeconfig (null for none); stdout and stderr together. */
    public static Result run(Path kubeconfig, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kubectl"));
        if (kubeconfig != null) {
            command.add("--kubeconfig=" + kubeconfig);
        }
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("kubectl " + args[0] + " did not finish in 120 s: " + out);
        }
        return new Result(p.exitValue(), out);
    }

    private static String version() {
        try {
            Result r = run(null, "version", "--client");
            return r.code() == 0 ? r.output() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
