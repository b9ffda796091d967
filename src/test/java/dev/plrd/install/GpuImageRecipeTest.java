package dev.plrd.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU image (make gpu-image) cannot be built here, as Docker Hub is out of reach: its recipe is checked as
 * written, and then run on two stand-in bases (a "PyTorch" layout and a "JRE" layout made here) to check the
 * image it makes: entrypoint, user, environment and the files where they belong.
 */
class GpuImageRecipeTest {
    private static final Path SCRIPT = Path.of("scripts/image/build-gpu");

    @TempDir
    Path dir;

    @Test
    void theBaseIsAnOfficialPyTorchCudaRuntimeMatchingTheDjlNatives() throws IOException {
        String makefile = Files.readString(Path.of("Makefile"));
        Matcher base = Pattern.compile("(?m)^GPU_BASE_IMAGE \\?= docker://docker\\.io/pytorch/pytorch:"
                + "(2\\.\\d+\\.\\d+)-cuda\\d+\\.\\d+-cudnn9-runtime$").matcher(makefile);
        assertThat(base.find()).as("GPU_BASE_IMAGE is pytorch/pytorch:2.x.y-cudaXX.Y-cudnn9-runtime").isTrue();
        Matcher djl = Pattern.compile("<pytorch.version>([^<]+)</pytorch.version>").matcher(Files.readString(Path.of("pom.xml")));
        assertThat(djl.find()).isTrue();
        assertThat(base.group(1)).as("the base's PyTorch is the DJL natives' version").isEqualTo(djl.group(1));
        // the JRE comes from the CPU image's base, the official Temurin JRE
        assertThat(makefile).containsPattern("(?m)^BASE_IMAGE \\?= docker://docker\\.io/library/eclipse-temurin:17-jre$")
                .contains("gpu-image: $(APP) $(IMAGE_DIR)/natives\n\tscripts/image/build-gpu \"$(GPU_BASE_IMAGE)\" \"$(BASE_IMAGE)\"");
    }

    @Test
    void theRecipeAddsTheJreAndWorkerAndDownloadsNothingAtStart() throws IOException {
        String script = Files.readString(SCRIPT);
        assertThat(Files.isExecutable(SCRIPT)).isTrue();
        assertThat(script).contains("java_dir=/opt/java/openjdk", "ln -s \"$java_dir/bin/java\" \"$work/java/usr/local/bin/java\"",
                "--config.env PYTHONPATH=$python_dir", "python_dir=/opt/plrd/python",
                "\"$here/build\" \"oci:$base\"");
        String entrypoint = Files.readString(Path.of("scripts/image/plrd"));
        for (String s : List.of(entrypoint, script)) {
            assertThat(s).doesNotContainPattern("\\b(curl|wget|pip3? install|conda install|https?://)");
        }
        assertThat(entrypoint).doesNotContain("apt-get").containsPattern("(?m)^exec java \\$JAVA_OPTS -jar ");
        assertThat(Files.readString(Path.of("scripts/image/build"))).contains("-Dai.djl.offline=true",
                "--config.user 1001:1001", "--config.entrypoint plrd");
    }

    @Test
    void builtOnStandInBasesTheImageRunsPlrdAsUser1001WithJavaAndTheWorker() throws Exception {
        assumeTrue(onPath("umoci") && onPath("skopeo"), "umoci and skopeo (installed by .ci/run)");
        Path jre = Files.createDirectories(dir.resolve("jre-tree/opt/java/openjdk/bin"));
        Files.writeString(jre.resolve("java"), "#!/bin/sh\n");
        jre.resolve("java").toFile().setExecutable(true);
        Files.createDirectories(dir.resolve("pytorch-tree/opt/conda/bin"));
        Path app = Files.createDirectories(dir.resolve("app"));
        for (String d : List.of("lib", "app", "quarkus")) {
            Files.createDirectories(app.resolve(d));
        }
        Files.writeString(app.resolve("quarkus-run.jar"), "jar");
        Files.createDirectories(dir.resolve("natives/djl"));
        Files.createDirectories(dir.resolve("natives/openblas"));
        Path worker = Files.createDirectories(dir.resolve("python/plrd_torch/__pycache__"));
        Files.writeString(worker.resolve("../__init__.py"), "");
        Files.writeString(worker.resolve("stale.pyc"), "");
        layout("jre", "jre-tree", "PATH=/usr/bin:/bin");
        layout("pytorch", "pytorch-tree", "PATH=/opt/conda/bin:/usr/local/bin:/usr/bin:/bin");

        run(dir, SCRIPT.toAbsolutePath().toString(), "oci:pytorch:base", "oci:jre:base",
                "registry.example/plrd/plrd-operator:1-gpu", "app", "natives", "python", "out");
        run(dir, "umoci", "unpack", "--image", "out:1-gpu", "bundle");
        JsonNode process = new ObjectMapper().readTree(dir.resolve("bundle/config.json").toFile()).path("process");
        assertThat(process.path("args").get(0).asText()).isEqualTo("plrd");
        assertThat(process.path("user").path("uid").asInt()).isEqualTo(1001);
        List<String> env = new ArrayList<>();
        process.path("env").forEach(e -> env.add(e.asText()));
        assertThat(env).contains("PATH=/opt/conda/bin:/usr/local/bin:/usr/bin:/bin", "PYTHONPATH=/opt/plrd/python",
                "PLRD_PYTHON_PATH=/opt/plrd/python", "JAVA_HOME=/opt/java/openjdk", "PYTHONDONTWRITEBYTECODE=1");
        assertThat(env).anySatisfy(e -> assertThat(e).startsWith("JAVA_OPTS=").contains("-Dai.djl.offline=true"));
        Path root = dir.resolve("bundle/rootfs");
        assertThat(Files.readSymbolicLink(root.resolve("usr/local/bin/java"))).hasToString("/opt/java/openjdk/bin/java");
        assertThat(root.resolve("opt/java/openjdk/bin/java")).isExecutable();
        assertThat(root.resolve("usr/local/bin/plrd")).isExecutable();
        assertThat(root.resolve("opt/plrd/python/plrd_torch/__init__.py")).exists();
        assertThat(root.resolve("opt/plrd/python/plrd_torch/__pycache__")).doesNotExist();
        assertThat(root.resolve("deployments/quarkus-run.jar")).exists();
        assertThat(root.resolve("opt/conda/bin")).isDirectory();
    }

    private void layout(String name, String tree, String path) throws Exception {
        run(dir, "umoci", "init", "--layout", name);
        run(dir, "umoci", "new", "--image", name + ":base");
        run(dir, "umoci", "insert", "--rootless", "--image", name + ":base", tree, "/");
        run(dir, "umoci", "config", "--image", name + ":base", "--config.env", path);
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void run(Path cwd, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + output).isEqualTo(0);
    }
}
