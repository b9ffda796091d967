package dev.plrd.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Helm (scripts/install-helm puts one on PATH; HELM names another), run on the chart in
 * deploy/helm. Without one the calling test is skipped with a message, except in CI (CI=true),
 * where a missing Helm is a failure, so that CI never skips the chart by accident.
 */
final class Helm {
    static final Path CHART = Path.of("deploy/helm/plrd-operator");
    static final String NAMESPACE = "plrd-system";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Helm() {
    }

    static String binary() {
        String named = System.getenv("HELM");
        if (named != null && !named.isBlank()) {
            return named;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "helm"))) {
                return Path.of(dir, "helm").toString();
            }
        }
        String why = "no helm on PATH and HELM unset (install one with scripts/install-helm)";
        if (System.getenv("CI") != null) {
            throw new AssertionError(why + "; .ci/run installs it, so CI must not skip the Helm chart tests");
        }
        Assumptions.abort(why);
        return null;
    }

    /** `helm template` of the chart into NAMESPACE, CRDs included, with `--set` pairs. */
    static List<JsonNode> template(String... sets) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary(), "template", "plrd-operator", CHART.toString(),
                "--namespace", NAMESPACE, "--include-crds"));
        for (String set : sets) {
            command.add("--set");
            command.add(set);
        }
        List<JsonNode> objects = new ArrayList<>();
        for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(run(command)).readAll()) {
            if (doc != null && doc.isObject() && !doc.isEmpty()) {
                objects.add(doc);
            }
        }
        return objects;
    }

    /** Runs helm; a non-zero exit fails with its output. Returns stdout. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("helm", ".out");
        Path err = Files.createTempFile("helm", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + process.exitValue() + ":\n"
                        + Files.readString(err, StandardCharsets.UTF_8) + stdout);
            }
            return stdout;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
