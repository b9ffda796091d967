package dev.plrd.transport.modelpack;

import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A small member checkpoint as a stage leaves it: weights, config, tokenizer, model code, and a stale temporary. */
public final class TinyCheckpoint {
    private TinyCheckpoint() {
    }

    public static Path write(Path dir) throws IOException {
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), dir, 11);
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        Files.writeString(dir.resolve("modeling_plrd.py"), "# the PLRD model for transformers\n");
        Files.writeString(dir.resolve(".model.safetensors.tmp-0123456789abcdef"), "half written");
        return dir;
    }

    /** Every file under dir that a pull must restore (hidden temporaries excluded), relative path to bytes. */
    public static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                String relative = dir.relativize(file).toString();
                if (!relative.startsWith(".")) {
                    files.put(relative, Files.readAllBytes(file));
                }
            }
        }
        return files;
    }
}
