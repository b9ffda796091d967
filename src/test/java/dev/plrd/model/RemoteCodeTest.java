package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A factored checkpoint carries the transformers model code and the auto_map that points AutoModelForCausalLM at a
 * class it defines for the checkpoint's architecture; a dense one carries neither. Whether transformers then loads
 * it and computes the same logits is checked where transformers is installed (make gpu-check).
 */
class RemoteCodeTest {
    private static final Path SOURCE = Path.of("src/main/python/plrd_torch", RemoteCode.FILE);

    @TempDir
    Path dir;

    private Path write(ModelConfig config) throws IOException {
        List<TensorInfo> layout = LlamaLayout.expected(config, DType.F32);
        Path target = dir.resolve("member");
        try (CheckpointWriter writer = CheckpointWriter.create(target, config, layout)) {
            for (Tensor tensor : TinyModels.tensorsFor(layout)) {
                writer.write(tensor);
            }
            writer.commit();
        }
        return target;
    }

    private static ModelConfig factored(ModelConfig dense) {
        return dense.withPlrd(new PlrdSection(Map.of("model.layers.0.self_attn.q_proj", 3,
                "model.layers.1.mlp.down_proj", 4), Map.of()));
    }

    @Test
    void aFactoredLlamaCarriesTheCodeAndAnAutoMapToAClassTheCodeDefines() throws Exception {
        Path member = write(factored(TinyModels.tiny()));

        assertThat(member.resolve(RemoteCode.FILE)).hasSameBinaryContentAs(SOURCE);
        ModelConfig written;
        try (Checkpoint checkpoint = Checkpoint.open(member)) {
            written = checkpoint.config();
        }
        assertThat(written.autoModel()).contains("modeling_plrd.PlrdLlamaForCausalLM");
        assertThat(written.architecture()).as("transformers' own config class still reads it").isEqualTo("LlamaForCausalLM");
        assertThat(classes(Files.readString(SOURCE))).contains("PlrdLlamaForCausalLM", "PlrdMistralForCausalLM");
    }

    @Test
    void aFactoredMistralNamesTheMistralClass() throws Exception {
        ModelConfig mistral = ModelConfig.parse(TinyModels.TINY_LLAMA
                .replace("LlamaForCausalLM", "MistralForCausalLM").replace("\"llama\"", "\"mistral\""));
        assertThat(RemoteCode.config(factored(mistral)).autoModel()).contains("modeling_plrd.PlrdMistralForCausalLM");
    }

    @Test
    void aDenseCheckpointCarriesNeitherAndLosesAnAutoMapToOurCode() throws Exception {
        ModelConfig dense = TinyModels.tiny();
        Path member = write(dense.withAutoModel("modeling_plrd.PlrdLlamaForCausalLM"));

        assertThat(member.resolve(RemoteCode.FILE)).doesNotExist();
        try (Checkpoint checkpoint = Checkpoint.open(member)) {
            assertThat(checkpoint.config().autoModel()).isEmpty();
        }
        ModelConfig foreign = dense.withAutoModel("modeling_other.OtherForCausalLM");
        assertThat(RemoteCode.config(foreign).autoModel()).as("a base's own remote code is left alone")
                .contains("modeling_other.OtherForCausalLM");
    }

    @Test
    void theCodeIsValidPython() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Process p = new ProcessBuilder(Files.isExecutable(python) ? python.toString() : "python3", "-c",
                "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", SOURCE.toString())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    private static List<String> classes(String python) {
        Matcher m = Pattern.compile("(?m)^class (\\w+)\\(").matcher(python);
        List<String> names = new java.util.ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
