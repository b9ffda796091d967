package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.plan.WorkerContract;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd operator` without a cluster says so at once, naming what it looked for, instead of hanging on localhost. */
class OperatorCommandTest {
    @TempDir
    Path dir;

    private ClusterAccess access(Map<String, String> env, Map<String, String> properties) {
        return new ClusterAccess(env, properties, dir, dir.resolve("serviceaccount-token"));
    }

    @Test
    void nothingToConnectWithIsSaidInOneLine() {
        ClusterAccess none = access(Map.of(), Map.of());
        assertThat(none.find()).isEmpty();
        assertThat(none.lookedFor()).isEqualTo("no kubeconfig: KUBECONFIG is not set and " + dir.resolve(".kube/config")
                + " does not exist, and this is not a pod with a service account (KUBERNETES_SERVICE_HOST is not set)");

        ClusterAccess missingFiles = access(Map.of("KUBECONFIG", "/nowhere/a:/nowhere/b",
                "KUBERNETES_SERVICE_HOST", "10.0.0.1"), Map.of());
        assertThat(missingFiles.find()).isEmpty();
        assertThat(missingFiles.lookedFor()).contains("KUBECONFIG=/nowhere/a:/nowhere/b names no existing file")
                .contains("there is no service account token at " + dir.resolve("serviceaccount-token"));
    }

    @Test
    void eachPlaceTheClientLooksIsFound() throws IOException {
        Path config = Files.writeString(dir.resolve("config"), "apiVersion: v1\n");
        assertThat(access(Map.of("KUBECONFIG", "/nowhere" + File.pathSeparator + config), Map.of()).find())
                .contains("the kubeconfig " + config);
        assertThat(access(Map.of(), Map.of("kubeconfig", config.toString())).find()).contains("the kubeconfig " + config);

        Files.createDirectories(dir.resolve(".kube"));
        Files.copy(config, dir.resolve(".kube/config"));
        assertThat(access(Map.of(), Map.of()).find()).contains("the kubeconfig " + dir.resolve(".kube/config"));
        // a KUBECONFIG that is set replaces the default file, as it does for the client
        assertThat(access(Map.of("KUBECONFIG", "/nowhere"), Map.of()).find()).isEmpty();
    }

    @Test
    void aPodWithAServiceAccountOrAnApiServerUrlIsEnough() throws IOException {
        assertThat(access(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"), Map.of()).find()).isEmpty();
        Files.writeString(dir.resolve("serviceaccount-token"), "token");
        assertThat(access(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"), Map.of()).find())
                .contains("the pod's service account");
        assertThat(access(Map.of(), Map.of("kubernetes.master", "https://10.0.0.1:6443")).find())
                .contains("the API server https://10.0.0.1:6443");
        assertThat(access(Map.of("KUBERNETES_MASTER", "https://10.0.0.1:6443"), Map.of()).find()).isPresent();
    }

    /** The whole command, in a JVM whose environment has no cluster: a fast exit 2 with one line and a hint. */
    @Test
    void theOperatorWithoutAClusterExitsAtOnce() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName(), "operator"));
        builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
        builder.environment().put("HOME", home.toString());
        builder.redirectErrorStream(true);
        long started = System.nanoTime();
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the operator exits without a cluster").isTrue();
        double seconds = (System.nanoTime() - started) / 1e9;
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(output.lines()).hasSize(2);
        assertThat(output).startsWith("error: no kubeconfig: KUBECONFIG is not set and " + home.resolve(".kube/config"))
                .contains("hint: point KUBECONFIG at a cluster's kubeconfig");
        assertThat(seconds).isLessThan(20);
    }
}
