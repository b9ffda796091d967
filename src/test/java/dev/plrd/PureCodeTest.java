package dev.plrd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pure packages depend on no Kubernetes, Quarkus or operator framework types, so they run anywhere. */
class PureCodeTest {
    private static final List<String> FORBIDDEN = List.of("io.fabric8", "io.quarkus", "io.javaoperatorsdk",
            "jakarta.", "io.micrometer", "dev.plrd.operator", "dev.plrd.cli");

    @ParameterizedTest
    @ValueSource(strings = {"plan", "model", "decompose", "data", "train", "evaluate"})
    void pureImportsNoFramework(String pkg) throws IOException {
        Path dir = Path.of("src/main/java/dev/plrd", pkg);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> imports = Files.readAllLines(file).stream()
                        .filter(l -> l.startsWith("import ")).toList();
                assertThat(imports).as(file.toString())
                        .noneMatch(i -> FORBIDDEN.stream().anyMatch(f -> i.contains(" " + f) || i.contains("static " + f)));
            }
        }
    }
}
