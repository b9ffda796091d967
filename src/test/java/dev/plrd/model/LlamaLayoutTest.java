package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LlamaLayoutTest {

    private static Map<String, List<Long>> shapes(List<TensorInfo> layout) {
        return layout.stream().collect(Collectors.toMap(TensorInfo::name,
                t -> Arrays.stream(t.shape()).boxed().toList()));
    }

    @Test
    void denseTinyModelInCanonicalOrder() throws IOException {
        List<TensorInfo> layout = LlamaLayout.expected(TinyModels.tiny(), DType.BF16);
        List<String> names = layout.stream().map(TensorInfo::name).toList();
        assertThat(names).hasSize(1 + 2 * 9 + 2);
        assertThat(names.subList(0, 10)).containsExactly(
                "model.embed_tokens.weight",
                "model.layers.0.input_layernorm.weight",
                "model.layers.0.post_attention_layernorm.weight",
                "model.layers.0.self_attn.q_proj.weight",
                "model.layers.0.self_attn.k_proj.weight",
                "model.layers.0.self_attn.v_proj.weight",
                "model.layers.0.self_attn.o_proj.weight",
                "model.layers.0.mlp.gate_proj.weight",
                "model.layers.0.mlp.up_proj.weight",
                "model.layers.0.mlp.down_proj.weight");
        assertThat(names.subList(19, 21)).containsExactly("model.norm.weight", "lm_head.weight");
        assertThat(layout).allMatch(t -> t.dtype() == DType.BF16);
        Map<String, List<Long>> shapes = shapes(layout);
        assertThat(shapes.get("model.embed_tokens.weight")).containsExactly(10L, 8L);
        assertThat(shapes.get("model.layers.1.input_layernorm.weight")).containsExactly(8L);
        assertThat(shapes.get("model.layers.1.self_attn.q_proj.weight")).containsExactly(8L, 8L);
        assertThat(shapes.get("model.layers.1.self_attn.k_proj.weight")).containsExactly(4L, 8L);
        assertThat(shapes.get("model.layers.1.self_attn.v_proj.weight")).containsExactly(4L, 8L);
        assertThat(shapes.get("model.layers.1.self_attn.o_proj.weight")).containsExactly(8L, 8L);
        assertThat(shapes.get("model.layers.1.mlp.gate_proj.weight")).containsExactly(12L, 8L);
        assertThat(shapes.get("model.layers.1.mlp.up_proj.weight")).containsExactly(12L, 8L);
        assertThat(shapes.get("model.layers.1.mlp.down_proj.weight")).containsExactly(8L, 12L);
        assertThat(shapes.get("model.norm.weight")).containsExactly(8L);
        assertThat(shapes.get("lm_head.weight")).containsExactly(10L, 8L);
    }

    @Test
    void mistral7bHasItsKnown291TensorsAndParameterCount() throws IOException {
        List<TensorInfo> layout = LlamaLayout.expected(ModelConfig.parse(ModelConfigTest.MISTRAL_7B), DType.BF16);
        assertThat(layout).hasSize(291);
        assertThat(layout.stream().mapToLong(TensorInfo::elements).sum()).isEqualTo(7_241_732_096L);
        assertThat(shapes(layout).get("model.layers.31.self_attn.k_proj.weight")).containsExactly(1024L, 4096L);
    }

    @Test
    void factoredModulesBecomeAPairOfLinears() throws IOException {
        ModelConfig config = TinyModels.tiny().withPlrd(new PlrdSection(
                Map.of("model.layers.0.self_attn.k_proj", 3, "model.layers.1.mlp.down_proj", 5), Map.of()));
        List<TensorInfo> layout = LlamaLayout.expected(config, DType.F32);
        List<String> names = layout.stream().map(TensorInfo::name).toList();
        assertThat(names).hasSize(1 + 2 * 9 + 2 + 2);
        assertThat(names).doesNotContain("model.layers.0.self_attn.k_proj.weight", "model.layers.1.mlp.down_proj.weight");
        assertThat(names).containsSubsequence("model.layers.0.self_attn.q_proj.weight",
                "model.layers.0.self_attn.k_proj.A.weight", "model.layers.0.self_attn.k_proj.B.weight",
                "model.layers.0.self_attn.v_proj.weight");
        Map<String, List<Long>> shapes = shapes(layout);
        assertThat(shapes.get("model.layers.0.self_attn.k_proj.A.weight")).containsExactly(4L, 3L);
        assertThat(shapes.get("model.layers.0.self_attn.k_proj.B.weight")).containsExactly(3L, 8L);
        assertThat(shapes.get("model.layers.1.mlp.down_proj.A.weight")).containsExactly(8L, 5L);
        assertThat(shapes.get("model.layers.1.mlp.down_proj.B.weight")).containsExactly(5L, 12L);
        assertThat(shapes.get("model.layers.1.self_attn.k_proj.weight")).containsExactly(4L, 8L);
    }

    @Test
    void tiedEmbeddingsHaveNoLmHead() throws IOException {
        List<String> names = LlamaLayout.expected(TinyModels.tinyTied(), DType.F32).stream().map(TensorInfo::name).toList();
        assertThat(names).doesNotContain("lm_head.weight").last().isEqualTo("model.norm.weight");
    }

    @Test
    void namesOfModules() {
        String module = LlamaLayout.modulePath(3, Projection.UP);
        assertThat(module).isEqualTo("model.layers.3.mlp.up_proj");
        assertThat(LlamaLayout.denseWeight(module)).isEqualTo("model.layers.3.mlp.up_proj.weight");
        assertThat(LlamaLayout.factorA(module)).isEqualTo("model.layers.3.mlp.up_proj.A.weight");
        assertThat(LlamaLayout.factorB(module)).isEqualTo("model.layers.3.mlp.up_proj.B.weight");
    }

    @Test
    void mismatchesNameTheTensorAndBothShapes() throws IOException {
        ModelConfig config = TinyModels.tiny();
        List<TensorInfo> actual = new ArrayList<>(LlamaLayout.expected(config, DType.BF16));
        assertThat(LlamaLayout.mismatches(config, actual)).as("dtype is free").isEmpty();
        actual.add(new TensorInfo("model.layers.0.self_attn.rotary_emb.inv_freq", DType.F32, new long[] {2}));
        assertThat(LlamaLayout.mismatches(config, actual)).as("extra tensors are allowed").isEmpty();

        Map<String, TensorInfo> byName = actual.stream().collect(Collectors.toMap(TensorInfo::name, Function.identity()));
        actual.remove(byName.get("model.norm.weight"));
        actual.replaceAll(t -> t.name().equals("model.layers.1.mlp.down_proj.weight")
                ? new TensorInfo(t.name(), t.dtype(), new long[] {12, 8}) : t);
        assertThat(LlamaLayout.mismatches(config, actual)).containsExactly(
                "tensor model.layers.1.mlp.down_proj.weight has shape [12, 8], the config expects [8, 12]",
                "missing tensor model.norm.weight of shape [8]");
    }
}
