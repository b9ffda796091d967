package dev.plrd.torch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/gpu-check.py --smoke: parts 1 and 2 of make gpu-check at toy sizes on the CPU, so that the script a GPU
 * machine runs is known to run: the tiny model's two loss curves, the factored stack's throughput with and without
 * activation checkpointing, and the planner's prediction for the shape it trained, read from
 * scripts/gpu-check-expected.json.
 */
class GpuCheckSmokeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void smokeRunPrintsTheFiguresAndPassesItsChecks() throws Exception {
        Path log = dir.resolve("gpu-check.log");
        Path result = dir.resolve("summary.json");
        ProcessBuilder builder = new ProcessBuilder(TorchWorker.python(), "scripts/gpu-check.py", "--smoke", "--json",
                result.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PYTHONPATH", TorchWorker.SOURCES + File.pathSeparator);
        builder.environment().put("OMP_NUM_THREADS", "1");
        int code = TorchWorker.finish(builder.start(), log);
        String output = Files.readString(log);
        assertThat(code).as(output).isZero();
        assertThat(output).contains("== gpu-check summary ==", "3 checks, 0 failed");

        JsonNode summary = JSON.readTree(result.toFile());
        JsonNode figures = summary.get("figures");
        JsonNode cpu = figures.get("tinyCpuLosses");
        JsonNode device = figures.get("tinyDeviceLosses");
        assertThat(cpu.size()).isEqualTo(6);
        assertThat(device.size()).isEqualTo(6);
        // a 512-token vocabulary starts near ln 512 = 6.24
        cpu.forEach(loss -> assertThat(loss.asDouble()).isBetween(5.0, 7.5));
        double worst = 0;
        for (int i = 0; i < cpu.size(); i++) {
            worst = Math.max(worst, Math.abs(cpu.get(i).asDouble() - device.get(i).asDouble()) / cpu.get(i).asDouble());
        }
        assertThat(figures.get("tinyMaxRelLossDifference").asDouble()).isCloseTo(worst,
                org.assertj.core.data.Offset.offset(1e-4)).isLessThanOrEqualTo(2e-2);

        JsonNode predictions = JSON.readTree(GpuCheckExpectedTest.COMMITTED.toFile()).get("smokeStack")
                .get("predictions");
        for (String key : new String[] {"stackNoCheckpointing", "stackCheckpointing"}) {
            JsonNode stack = figures.get(key);
            assertThat(stack.get("tokensPerSecond").asDouble()).as(key).isPositive();
            // the largest micro-batch: nothing bounds memory on the CPU
            assertThat(stack.get("microBatch").asInt()).as(key).isEqualTo(2);
            JsonNode planned = null;
            for (JsonNode p : predictions) {
                if (p.get("microBatch").asInt() == 2 && p.get("checkpointing").asBoolean() == key.equals("stackCheckpointing")) {
                    planned = p;
                }
            }
            assertThat(stack.get("predictedPeakBytes").asLong()).as(key).isEqualTo(planned.get("peak").asLong());
            assertThat(stack.get("peakBytes").isNull()).as("no allocator to measure on the CPU").isTrue();
        }
        summary.get("checks").forEach(c -> assertThat(c.get("passed").asBoolean()).as(c.toString()).isTrue());
    }
}
