package dev.plrd.transport.oci;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code docker-registry} (distribution 2.8) on a free 127.0.0.1 port, with its storage
 * in a directory of the test, optionally behind htpasswd basic auth. Stopped by its process id, and
 * restartable on the same port and storage (a registry that went away in the middle of a push).
 */
public final class DockerRegistryServer implements AutoCloseable {
    static final Path EXECUTABLE = Path.of("/usr/bin/docker-registry");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final int port;
    private Process process;

    private DockerRegistryServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static boolean installed() {
        return Files.isExecutable(EXECUTABLE);
    }

    /** Why the registry tests are skipped when there is no registry to run. */
    public static String missing() {
        return EXECUTABLE + " is not installed (apt-get install docker-registry): registry tests skipped";
    }

    /** A registry without auth. */
    public static DockerRegistryServer start(Path dir) throws IOException, InterruptedException {
        return start(dir, null, null);
    }

    /** A registry that accepts only {@code user}/{@code password} (bcrypt htpasswd, made by {@code htpasswd -B}). */
    static DockerRegistryServer start(Path dir, String user, String password) throws IOException, InterruptedException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        StringBuilder config = new StringBuilder("version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n"
                + "    rootdirectory: " + dir.resolve("data") + "\n  delete:\n    enabled: true\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n");
        if (user != null) {
            Path htpasswd = dir.resolve("htpasswd");
            Process made = new ProcessBuilder("htpasswd", "-Bbn", user, password).redirectOutput(htpasswd.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (made.waitFor() != 0) {
                throw new IOException("htpasswd -B failed (apt-get install apache2-utils)");
            }
            config.append("auth:\n  htpasswd:\n    realm: plrd-test\n    path: ").append(htpasswd).append('\n');
        }
        Files.writeString(dir.resolve("config.yml"), config);
        DockerRegistryServer server = new DockerRegistryServer(dir, port);
        server.launch();
        return server;
    }

    /** host:port, as a reference names the registry. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** The registry's log, one line per event; every finished request has a line with its method and URI. */
    List<String> log() throws IOException {
        return Files.readAllLines(dir.resolve("registry.log"));
    }

    /** How many finished requests of the method went to a URI containing {@code uriPart}. */
    long requests(String method, String uriPart) throws IOException {
        return log().stream().filter(l -> l.contains("response completed") && l.contains("http.request.method=" + method)
                && l.contains(uriPart)).count();
    }

    /** Kills the registry at once (SIGKILL), as a node or a network failure would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts it again on the same port and storage. */
    void restart() throws IOException, InterruptedException {
        launch();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    private void launch() throws IOException, InterruptedException {
        process = new ProcessBuilder(EXECUTABLE.toString(), "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("registry.log").toFile()))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("docker-registry exited with " + process.exitValue() + "; see " + dir.resolve("registry.log"));
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create("http://" + host() + "/v2/").toURL().openConnection();
                connection.setConnectTimeout(500);
                int status = connection.getResponseCode();
                connection.disconnect();
                if (status == 200 || status == 401) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        close();
        throw new IOException("docker-registry did not answer on " + host() + " within " + START_TIMEOUT.toSeconds() + " s");
    }
}
