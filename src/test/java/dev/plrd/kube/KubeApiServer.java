package dev.plrd.kube;

import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real kube-apiserver with etcd on 127.0.0.1 (the {@code start}/{@code stop} scripts of the folder
 * that KUBE_TEST_ASSETS names), in a temporary directory of its own. The mock API server enforces
 * no schema, CEL rule, RBAC, status subresource or admission plugin; this one does.
 */
public final class KubeApiServer implements AutoCloseable {
    /** Set by .ci/run to the {@code shared/kube} folder beside the clone. */
    public static final String ASSETS_VARIABLE = "KUBE_TEST_ASSETS";
    private static final long START_TIMEOUT_SECONDS = 180;

    private final Path dir;
    private final String url;
    private final KubernetesClient admin;

    private KubeApiServer(Path dir, String url, KubernetesClient admin) {
        this.dir = dir;
        this.url = url;
        this.admin = admin;
    }

    /**
     * The assets folder, or a skipped test when KUBE_TEST_ASSETS is unset. A variable that is set
     * but names no usable folder is an error, so that CI never skips the tier by accident.
     */
    public static Path assets() {
        String value = System.getenv(ASSETS_VARIABLE);
        if (value == null || value.isBlank()) {
            String why = "real-API-server tier skipped: " + ASSETS_VARIABLE
                    + " is not set (.ci/run sets it to the shared/kube folder beside the clone)";
            // printed as well: Maven's report shows a class skipped in @BeforeAll as 0 tests run, without the reason
            System.out.println(why);
            Assumptions.abort(why);
        }
        Path assets = Path.of(value).toAbsolutePath().normalize();
        if (!Files.isExecutable(assets.resolve("start")) || !Files.isExecutable(assets.resolve("stop"))) {
            throw new IllegalStateException(ASSETS_VARIABLE + "=" + value + " (" + assets
                    + "): expected a folder with the executable scripts start and stop");
        }
        return assets;
    }

    /** Starts a server; apiserverArgs are extra kube-apiserver flags (KUBE_APISERVER_ARGS), "" for none. */
    public static KubeApiServer start(String apiserverArgs) {
        Path assets = assets();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("kube-apiserver-");
            Path log = dir.resolve("start.log");
            ProcessBuilder pb = new ProcessBuilder("bash", assets.resolve("start").toString(), dir.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUBE_APISERVER_ARGS", apiserverArgs);
            Process start = pb.start();
            if (!start.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                start.destroyForcibly();
                throw new IllegalStateException("kube-apiserver did not start in " + START_TIMEOUT_SECONDS + " s: "
                        + Files.readString(log));
            }
            if (start.exitValue() != 0) {
                throw new IllegalStateException("kube-apiserver did not start (exit " + start.exitValue() + "): "
                        + Files.readString(log));
            }
            Properties env = new Properties();
            try (var in = Files.newBufferedReader(dir.resolve("env"))) {
                env.load(in);
            }
            Config config = Config.fromKubeconfig(Files.readString(dir.resolve("kubeconfig")));
            KubeApiServer server = new KubeApiServer(dir, env.getProperty("API_URL"),
                    new KubernetesClientBuilder().withConfig(config).build());
            System.out.println("real-API-server tier: kube-apiserver at " + server.url + " (" + dir + ")"
                    + (apiserverArgs.isBlank() ? "" : " with " + apiserverArgs));
            return server;
        } catch (IOException e) {
            stopAndDelete(assets, dir);
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopAndDelete(assets, dir);
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            stopAndDelete(assets, dir);
            throw e;
        }
    }

    /** A client with the admin user (group system:masters): for what a test sets up and reads back. */
    public KubernetesClient admin() {
        return admin;
    }

    public String url() {
        return url;
    }

    /** The admin kubeconfig, for kubectl. */
    public Path kubeconfig() {
        return dir.resolve("kubeconfig");
    }

    /** The CA that signed the server's certificate. */
    public Path caCertificate() {
        return dir.resolve("pki/ca.crt");
    }

    /** A token of the service account, from the TokenRequest API, as a pod would get it. */
    public String serviceAccountToken(String namespace, String serviceAccount) {
        return admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                .getStatus().getToken();
    }

    @Override
    public void close() {
        admin.close();
        stopAndDelete(assets(), dir);
    }

    /** Stops etcd and the API server by the PIDs in DIR/env, then removes the directory. */
    private static void stopAndDelete(Path assets, Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Process stop = new ProcessBuilder("bash", assets.resolve("stop").toString(), dir.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            stop.waitFor(60, TimeUnit.SECONDS);
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            System.err.println("real-API-server tier: could not clean " + dir + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
