package dev.plrd.kube;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code plrd operator} as the packaged application (target/quarkus-app, built by {@code mvn package}),
 * a process of its own in the prod profile (leader election on), talking to a real API server with
 * a bearer token only: no kubeconfig, no client certificate. Its environment is the operator
 * container's environment in deploy/base, plus the overrides a test gives.
 */
public final class OperatorProcess implements AutoCloseable {
    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final int LOG_TAIL_LINES = 60;

    private final Process process;
    private final Path log;

    private OperatorProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the operator; namespace is the client's namespace, which is where the leader Lease lives
     * (the pod's own namespace in a cluster).
     */
    public static OperatorProcess start(KubeApiServer server, String token, String namespace, Map<String, String> env,
            Path workDir) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: the real-API-server tier runs after `mvn package` "
                    + "(make test runs mvn verify)");
        }
        Files.createDirectories(workDir);
        Path log = workDir.resolve("operator.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false",
                "-jar", JAR.toAbsolutePath().toString(), "operator")
                .redirectErrorStream(true).redirectOutput(log.toFile()).directory(workDir.toFile());
        Map<String, String> e = pb.environment();
        e.put("HOME", workDir.toString());
        e.put("KUBECONFIG", workDir.resolve("no-kubeconfig").toString());
        containerEnv().forEach(v -> e.put(v.getName(), v.getValue()));
        // Fabric8's own variables: what it reads from a pod's service account in a cluster, given explicitly
        e.put("KUBERNETES_MASTER", server.url());
        e.put("KUBERNETES_AUTH_TOKEN", token);
        e.put("KUBERNETES_CERTS_CA_FILE", server.caCertificate().toString());
        e.put("KUBERNETES_NAMESPACE", namespace);
        // a free port: several operators (and other engineers' tests) share the machine
        e.put("QUARKUS_HTTP_PORT", "0");
        e.putAll(env);
        return new OperatorProcess(pb.start(), log);
    }

    /** The environment of the operator container in deploy/base's Deployment. */
    private static List<EnvVar> containerEnv() {
        Deployment deployment = Kustomization.build(DeployBase.DIR).stream()
                .filter(o -> o.path("kind").asText().equals("Deployment")).findFirst()
                .map(o -> new KubernetesSerialization().convertValue(o, Deployment.class))
                .orElseThrow(() -> new IllegalStateException(DeployBase.DIR + " renders no Deployment"));
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGTERM, as the kubelet does when a pod stops; then {@link #waitForExit}. */
    public Integer terminate(long waitSeconds) throws InterruptedException {
        process.destroy();
        return waitForExit(waitSeconds);
    }

    /** The exit code, or null when the process still runs after the wait. */
    public Integer waitForExit(long waitSeconds) throws InterruptedException {
        return process.waitFor(waitSeconds, TimeUnit.SECONDS) ? process.exitValue() : null;
    }

    /** The last lines of the operator's output, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive() && terminate(20) == null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
