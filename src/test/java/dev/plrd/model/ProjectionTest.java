package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ProjectionTest {

    @Test
    void idsAndModules() {
        assertThat(Projection.values()).extracting(Projection::id).containsExactly("q", "k", "v", "o", "gate", "up", "down");
        assertThat(Projection.values()).extracting(Projection::module).containsExactly("self_attn.q_proj", "self_attn.k_proj",
                "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");
    }

    @Test
    void jacksonUsesTheIds() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        assertThat(mapper.writeValueAsString(Projection.GATE)).isEqualTo("\"gate\"");
        assertThat(mapper.readValue("\"down\"", Projection.class)).isEqualTo(Projection.DOWN);
    }

    @Test
    void featuresOfMistral7b() throws IOException {
        ModelConfig mistral = ModelConfig.parse(ModelConfigTest.MISTRAL_7B);
        assertThat(dims(Projection.Q, mistral)).containsExactly(4096, 4096);
        assertThat(dims(Projection.K, mistral)).containsExactly(1024, 4096);
        assertThat(dims(Projection.V, mistral)).containsExactly(1024, 4096);
        assertThat(dims(Projection.O, mistral)).containsExactly(4096, 4096);
        assertThat(dims(Projection.GATE, mistral)).containsExactly(14336, 4096);
        assertThat(dims(Projection.UP, mistral)).containsExactly(14336, 4096);
        assertThat(dims(Projection.DOWN, mistral)).containsExactly(4096, 14336);
    }

    @Test
    void featuresFollowAnExplicitHeadDim() throws IOException {
        ModelConfig config = ModelConfig.parse(TinyModels.TINY_LLAMA.replace("\"vocab_size\": 10", "\"vocab_size\": 10, \"head_dim\": 6"));
        assertThat(dims(Projection.Q, config)).containsExactly(12, 8);
        assertThat(dims(Projection.K, config)).containsExactly(6, 8);
        assertThat(dims(Projection.O, config)).containsExactly(8, 12);
    }

    private static int[] dims(Projection projection, ModelConfig config) {
        return new int[] {projection.outFeatures(config), projection.inFeatures(config)};
    }

    @Test
    void parsesLists() {
        assertThat(Projection.parseList("q,k,v")).containsExactly(Projection.Q, Projection.K, Projection.V);
        assertThat(Projection.parseList(" gate , up,down ")).containsExactly(Projection.GATE, Projection.UP, Projection.DOWN);
        assertThat(Projection.fromId("o")).isEqualTo(Projection.O);
    }

    @Test
    void badListEntriesAreNamed() {
        assertThatThrownBy(() -> Projection.parseList("q,query,v"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown projection 'query' in \"q,query,v\" (known: q, k, v, o, gate, up, down)");
        assertThatThrownBy(() -> Projection.parseList("q,,v")).hasMessageStartingWith("unknown projection '' in \"q,,v\"");
        assertThatThrownBy(() -> Projection.parseList("Q")).hasMessageStartingWith("unknown projection 'Q'");
        assertThatThrownBy(() -> Projection.parseList("q,k,q")).hasMessage("projection 'q' appears twice in \"q,k,q\"");
    }
}
