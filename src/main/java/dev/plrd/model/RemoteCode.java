package dev.plrd.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The transformers model code a factored checkpoint carries ({@value #FILE}, whose one home is
 * src/main/python/plrd_torch/modeling_plrd.py), and the auto_map entry of config.json that points
 * AutoModelForCausalLM at it: with trust_remote_code=True, transformers then loads a member as it is, factored.
 * A dense checkpoint carries neither: transformers loads it with its own classes.
 */
public final class RemoteCode {
    public static final String FILE = "modeling_plrd.py";
    private static final String RESOURCE = "/plrd_torch/" + FILE;
    /** The class of each supported architecture, as modeling_plrd.py defines it. */
    private static final Map<String, String> CLASSES = Map.of(
            "LlamaForCausalLM", "PlrdLlamaForCausalLM",
            "MistralForCausalLM", "PlrdMistralForCausalLM");

    private RemoteCode() {
    }

    /** config with the auto_map its checkpoint needs: the member class when factored, none when dense. */
    public static ModelConfig config(ModelConfig config) {
        if (!factored(config)) {
            return config.autoModel().filter(c -> c.startsWith(module())).isPresent() ? config.withAutoModel(null)
                    : config;
        }
        String modelClass = CLASSES.get(config.architecture());
        if (modelClass == null) {
            throw new IllegalArgumentException("no model code for architecture " + config.architecture()
                    + " (expected one of " + String.join(", ", CLASSES.keySet()) + ")");
        }
        return config.withAutoModel(module() + "." + modelClass);
    }

    /** Writes {@value #FILE} into a factored checkpoint's directory. */
    public static void write(Path directory, ModelConfig config) throws IOException {
        if (factored(config)) {
            AtomicFiles.writeAtomically(directory.resolve(FILE), source());
        }
    }

    /** The file's bytes, as the application carries them. */
    public static byte[] source() {
        try (InputStream in = RemoteCode.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the application: the build puts it there");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean factored(ModelConfig config) {
        return !config.plrd().ranks().isEmpty();
    }

    private static String module() {
        return FILE.substring(0, FILE.length() - ".py".length());
    }
}
