package dev.plrd.torch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.model.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * scripts/gpu-check-expected.json is what the GPU check measures the planner against, on a machine without Java: it
 * must be what the planner predicts now. The current one is written to target/ for copying over a stale one.
 */
class GpuCheckExpectedTest {
    static final Path COMMITTED = Path.of("scripts/gpu-check-expected.json");
    static final Path GENERATED = Path.of("target/gpu-check-expected.json");

    @Test
    void committedPredictionsAreThePlannersCurrentOnes() throws IOException {
        String current = GpuCheckExpected.json();
        Files.createDirectories(GENERATED.getParent());
        AtomicFiles.writeAtomically(GENERATED, current.getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(COMMITTED))
                .as("%s is stale: cp %s %s and commit it", COMMITTED, GENERATED, COMMITTED.getParent())
                .isEqualTo(current);
    }

    @Test
    void theStackIsSevenBWideWithTheRanksOfAThreePointOneBMember() throws IOException {
        JsonNode stack = new ObjectMapper().readTree(GpuCheckExpected.json()).get("stack");
        JsonNode config = stack.get("config");
        assertThat(config.get("hidden_size").asInt()).isEqualTo(4096);
        assertThat(config.get("intermediate_size").asInt()).isEqualTo(11008);
        assertThat(config.get("num_attention_heads").asInt()).isEqualTo(32);
        assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(GpuCheckExpected.STACK_LAYERS);
        assertThat(stack.get("memberParameters").asLong())
                .isCloseTo(GpuCheckExpected.MEMBER_PARAMETERS, org.assertj.core.data.Offset.offset(15_500_000L));
        // every projection of the 4 blocks factored, at the ~1136 of a uniform 3.1B plan (TrainingMemoryTest)
        JsonNode ranks = config.get("plrd").get("ranks");
        assertThat(ranks.size()).isEqualTo(4 * 7);
        ranks.forEach(r -> assertThat(r.asInt()).isBetween(1100, 1170));
        for (JsonNode p : stack.get("predictions")) {
            long sum = p.get("weights").asLong() + p.get("gradients").asLong() + p.get("optimizer").asLong()
                    + p.get("gathered").asLong() + p.get("activations").asLong() + p.get("logits").asLong();
            assertThat(p.get("peak").asLong()).isEqualTo(sum);
            // one GPU: weights, gradients and both moments unsharded, 16 bytes a parameter
            assertThat(p.get("weights").asLong() + p.get("gradients").asLong() + p.get("optimizer").asLong())
                    .isEqualTo(16 * stack.get("parameters").asLong());
        }
    }
}
