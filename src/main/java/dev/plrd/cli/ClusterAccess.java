package dev.plrd.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the Kubernetes client would find a cluster, looked up the way it looks: an API server URL
 * set outright, the kubeconfig files of KUBECONFIG, ~/.kube/config, or the service account of the
 * pod it runs in. Without any of them the client retries localhost for a long while and fails with
 * a stack trace that never says why, so the operator checks first.
 */
record ClusterAccess(Map<String, String> env, Map<String, String> properties, Path home, Path serviceAccountToken) {
    static final Path IN_CLUSTER_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    static ClusterAccess ofThisProcess() {
        Map<String, String> properties = new HashMap<>();
        System.getProperties().forEach((k, v) -> properties.put(k.toString(), v.toString()));
        return new ClusterAccess(System.getenv(), properties, home(System.getenv("HOME")), IN_CLUSTER_TOKEN);
    }

    /** $HOME when it is a directory, else user.home: the Fabric8 client's order. */
    private static Path home(String variable) {
        if (variable != null && !variable.isEmpty() && Files.isDirectory(Path.of(variable))) {
            return Path.of(variable);
        }
        return Path.of(System.getProperty("user.home", "."));
    }

    /** What the client will connect with, in words; empty when it has nothing to connect with. */
    Optional<String> find() {
        String master = setting("kubernetes.master", "KUBERNETES_MASTER");
        if (master != null) {
            return Optional.of("the API server " + master);
        }
        String kubeconfig = setting("kubeconfig", "KUBECONFIG");
        if (kubeconfig != null) {
            for (String file : kubeconfig.split(File.pathSeparator)) {
                if (!file.isEmpty() && Files.isRegularFile(Path.of(file))) {
                    return Optional.of("the kubeconfig " + file);
                }
            }
        } else if (Files.isRegularFile(defaultKubeconfig())) {
            return Optional.of("the kubeconfig " + defaultKubeconfig());
        }
        if (env.get("KUBERNETES_SERVICE_HOST") != null && Files.isRegularFile(serviceAccountToken)) {
            return Optional.of("the pod's service account");
        }
        return Optional.empty();
    }

    /** What was looked for and not found, in one line. */
    String lookedFor() {
        String kubeconfig = setting("kubeconfig", "KUBECONFIG");
        String files = kubeconfig != null ? "KUBECONFIG=" + kubeconfig + " names no existing file"
                : "KUBECONFIG is not set and " + defaultKubeconfig() + " does not exist";
        String pod = env.get("KUBERNETES_SERVICE_HOST") == null ? "KUBERNETES_SERVICE_HOST is not set"
                : "there is no service account token at " + serviceAccountToken;
        return "no kubeconfig: " + files + ", and this is not a pod with a service account (" + pod + ")";
    }

    private Path defaultKubeconfig() {
        return home.resolve(".kube").resolve("config");
    }

    /** A system property, else its environment variable, as the Fabric8 client reads its settings. */
    private String setting(String property, String variable) {
        String value = properties.get(property);
        if (value == null || value.isBlank()) {
            value = env.get(variable);
        }
        return value == null || value.isBlank() ? null : value;
    }
}
