package dev.plrd.torch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Preset;
import dev.plrd.model.Projection;
import dev.plrd.plan.GpuProduct;
import dev.plrd.plan.GpuProducts;
import dev.plrd.plan.MemberRanks;
import dev.plrd.plan.ParameterCount;
import dev.plrd.plan.RankPlan;
import dev.plrd.plan.StepTime;
import dev.plrd.plan.TrainingMemory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What scripts/gpu-check.py compares its measurements with, computed by the Java planner, so that the script needs
 * no Java on the GPU machine: the tiny preset's config (part 1), and for each block stack it trains (part 2) its
 * config, parameters, model FLOPs per token ({@link StepTime}) and the predicted bytes per term of
 * {@link TrainingMemory} on one GPU for each micro-batch, with and without activation checkpointing; and the GPU
 * table of {@link GpuProducts}.
 *
 * <p>A stack is the first {@value #STACK_LAYERS} decoder blocks, with embeddings, final norm and lm_head, of the
 * member the planner cuts from a parent at {@value #MEMBER_PARAMETERS} parameters of Llama-2-7B's
 * 6,738,415,616 (the same share of the parent for the smoke stack), ranks spread uniformly
 * ({@code MemberRanks.plan}, as {@code plrd plan} does for a {@code parameters:} member).
 */
final class GpuCheckExpected {
    static final int STACK_LAYERS = 4;
    static final long MEMBER_PARAMETERS = 3_100_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private GpuCheckExpected() {
    }

    /** The file's content, pretty-printed, with a final newline. */
    static String json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("generatedBy", "src/test/java/dev/plrd/torch/GpuCheckExpected.java (GpuCheckExpectedTest checks"
                + " this copy; after a planner change: cp target/gpu-check-expected.json scripts/)");
        root.put("gpus", 1);
        root.put("reservedBytes", TrainingMemory.RESERVED_BYTES);
        root.put("fragmentation", TrainingMemory.FRAGMENTATION);
        root.set("tiny", tree(Preset.TINY.config().toJson()));
        double share = (double) MEMBER_PARAMETERS / ParameterCount.of(Preset.LLAMA2_7B_SHAPE.config());
        root.set("stack", stack(Preset.LLAMA2_7B_SHAPE.config(), MEMBER_PARAMETERS, 4096, List.of(1, 2, 4, 8, 16, 32)));
        ModelConfig tiny = Preset.TINY.config();
        root.set("smokeStack", stack(tiny, Math.round(share * ParameterCount.of(tiny)), 64, List.of(1, 2)));
        ArrayNode products = root.putArray("products");
        for (GpuProduct p : GpuProducts.ALL) {
            products.addObject().put("label", p.label()).put("memoryBytes", p.memoryBytes())
                    .put("bf16PeakFlops", p.bf16PeakFlops());
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** The first STACK_LAYERS blocks of the member of parent at target parameters, and its predictions. */
    static ObjectNode stack(ModelConfig parent, long target, int sequenceLength, List<Integer> microBatches) {
        RankPlan member = MemberRanks.plan(parent, List.of(Projection.values()), new MemberRanks.Target(target),
                MemberRanks.Allocation.UNIFORM, module -> {
                    throw new IllegalStateException("a uniform plan reads no singular values");
                });
        ModelConfig stack = firstLayers(MemberRanks.config(parent, member));
        long parameters = ParameterCount.of(stack);
        ObjectNode node = JSON.createObjectNode();
        node.put("memberOf", parent.architecture() + " of " + ParameterCount.of(parent) + " parameters");
        node.put("memberParameters", member.parameters());
        node.put("sequenceLength", sequenceLength);
        node.put("parameters", parameters);
        // the FLOPs per token do not depend on the GPU product; any one serves
        node.put("flopsPerToken", StepTime.of(stack, parameters, sequenceLength, sequenceLength, 1,
                GpuProducts.ALL.get(0), false).flopsPerToken());
        node.set("config", tree(stack.toJson()));
        ArrayNode predictions = node.putArray("predictions");
        for (int microBatch : microBatches) {
            TrainingMemory m = TrainingMemory.of(stack, sequenceLength, microBatch, 1);
            for (boolean checkpointing : new boolean[] {false, true}) {
                ObjectNode p = predictions.addObject();
                p.put("microBatch", microBatch).put("checkpointing", checkpointing);
                p.put("weights", m.weights()).put("gradients", m.gradients()).put("optimizer", m.optimizer())
                        .put("gathered", m.gathered())
                        .put("activations", checkpointing ? m.checkpointedActivations() : m.activations())
                        .put("logits", m.logits()).put("peak", m.peak(checkpointing));
            }
        }
        return node;
    }

    /** The member's config cut to its first STACK_LAYERS blocks, with their ranks. */
    private static ModelConfig firstLayers(ModelConfig member) {
        ObjectNode json = (ObjectNode) tree(member.toJson());
        json.put("num_hidden_layers", STACK_LAYERS);
        Map<String, Integer> ranks = new LinkedHashMap<>();
        member.plrd().ranks().forEach((module, rank) -> {
            String rest = module.substring("model.layers.".length());
            if (Integer.parseInt(rest.substring(0, rest.indexOf('.'))) < STACK_LAYERS) {
                ranks.put(module, rank);
            }
        });
        json.remove("plrd");
        try {
            ModelConfig cut = ModelConfig.parse(json.toString());
            return cut.withPlrd(cut.plrd().withRanks(ranks));
        } catch (CheckpointException e) {
            throw new IllegalStateException("a preset cut to fewer layers is still a valid config", e);
        }
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("ModelConfig.toJson writes JSON", e);
        }
    }
}
