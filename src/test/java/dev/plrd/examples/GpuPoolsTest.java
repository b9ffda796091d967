package dev.plrd.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.plan.GpuProducts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The H100 pools of examples/autoscaling serve the Kueue flavors of examples/kueue in both setups (Karpenter
 * NodePools and cluster-autoscaler node groups): each GPU flavor's node labels are set by one pool of each kind,
 * the pods Kueue admits to a flavor tolerate that pool's taints (and only the spot flavor opens the spot pool),
 * each pool can grow to the flavor's GPU quota, and a node group's autoscaler tags announce exactly its labels,
 * taints and GPUs, so that cluster-autoscaler can scale it up from zero.
 */
class GpuPoolsTest {
    private static final String GPU = "nvidia.com/gpu";
    private static final String TEMPLATE_TAG = "k8s.io/cluster-autoscaler/node-template/";
    /** The toleration the operator gives every GPU stage pod (docs: "nvidia.com/gpu Exists NoSchedule"). */
    private static final JsonNode OPERATOR_GPU_TOLERATION = toleration(GPU, "Exists", null, "NoSchedule");

    @Test
    void eachGpuFlavorIsOneNodePoolAndOneNodeGroup() {
        for (JsonNode flavor : gpuFlavors()) {
            JsonNode labels = flavor.path("spec").path("nodeLabels");
            assertThat(nodePools().stream().filter(p -> contains(p.path("spec").path("template").path("metadata")
                    .path("labels"), labels))).as("NodePools labelled as flavor %s", ExampleFiles.name(flavor))
                    .hasSize(1);
            assertThat(nodeGroups().stream().filter(g -> contains(g.path("labels"), labels)))
                    .as("node groups labelled as flavor %s", ExampleFiles.name(flavor)).hasSize(1);
            assertThat(GpuProducts.find(labels.path("nvidia.com/gpu.product").asText()))
                    .as("flavor %s: a product the memory planner knows", ExampleFiles.name(flavor)).isPresent();
        }
    }

    @Test
    void podsAdmittedToAFlavorTolerateItsPoolsAndOnlyTheSpotFlavorOpensTheSpotPool() {
        for (JsonNode flavor : gpuFlavors()) {
            List<JsonNode> tolerations = new ArrayList<>(List.of(OPERATOR_GPU_TOLERATION));
            flavor.path("spec").path("tolerations").forEach(tolerations::add);
            for (JsonNode taints : List.of(pool(flavor).path("spec").path("template").path("spec").path("taints"),
                    group(flavor).path("taints"))) {
                assertThat(taints).as("flavor %s: its pools' taints", ExampleFiles.name(flavor)).isNotEmpty()
                        .allSatisfy(t -> assertThat(tolerations.stream().anyMatch(tol -> tolerates(tol, t)))
                                .as("flavor %s tolerates %s", ExampleFiles.name(flavor), t).isTrue());
            }
        }
        JsonNode spotPool = ExampleFiles.named("NodePool", "gpu-h100-spot");
        assertThat(spotPool.path("spec").path("template").path("spec").path("taints"))
                .as("the spot pool is closed to a GPU pod the spot flavor did not admit")
                .anySatisfy(t -> assertThat(tolerates(OPERATOR_GPU_TOLERATION, t)).isFalse());
        assertThat(ExampleFiles.named("ResourceFlavor", "h100-on-demand").path("spec").has("tolerations")).isFalse();
    }

    @Test
    void theTolerationCheckFollowsKubernetes() {
        assertThat(tolerates(OPERATOR_GPU_TOLERATION, taint(GPU, "true", "NoSchedule"))).isTrue();
        assertThat(tolerates(OPERATOR_GPU_TOLERATION, taint(GPU, "true", "NoExecute"))).isFalse();
        assertThat(tolerates(OPERATOR_GPU_TOLERATION, taint("spot", "true", "NoSchedule"))).isFalse();
        assertThat(tolerates(toleration("spot", "Equal", "true", "NoSchedule"), taint("spot", "false", "NoSchedule")))
                .isFalse();
        assertThat(tolerates(toleration(null, "Exists", null, null), taint("spot", "true", "NoExecute"))).isTrue();
    }

    @Test
    void eachPoolCanGrowToItsFlavorsGpuQuota() {
        for (JsonNode flavor : gpuFlavors()) {
            long quota = gpuQuota(ExampleFiles.name(flavor));
            assertThat(pool(flavor).path("spec").path("limits").path(GPU).asLong())
                    .as("NodePool %s GPU limit", ExampleFiles.name(pool(flavor))).isGreaterThanOrEqualTo(quota);
            JsonNode group = group(flavor);
            long perNode = group.path("tags").path(TEMPLATE_TAG + "resources/" + GPU).asLong();
            assertThat(perNode).as("node group %s GPUs per node", group.path("name").asText()).isEqualTo(8);
            assertThat(group.path("maxSize").asLong() * perNode).as("node group %s GPUs at maxSize",
                    group.path("name").asText()).isGreaterThanOrEqualTo(quota);
            assertThat(group.path("minSize").asInt()).as("node group %s scales from zero", group.path("name").asText())
                    .isZero();
        }
    }

    @Test
    void bothSetupsBuyTheSameInstanceTypeAndKarpenterNeverMovesARunningStage() {
        for (JsonNode flavor : gpuFlavors()) {
            JsonNode pool = pool(flavor);
            JsonNode types = pool.path("spec").path("template").path("spec").path("requirements").findParents("key")
                    .stream().filter(r -> r.path("key").asText().equals("node.kubernetes.io/instance-type"))
                    .findFirst().orElseThrow().path("values");
            JsonNode group = group(flavor);
            String groupType = group.has("instanceType") ? group.path("instanceType").asText()
                    : group.path("instancesDistribution").path("instanceTypes").get(0).asText();
            assertThat(types).extracting(JsonNode::asText).as("NodePool %s", ExampleFiles.name(pool))
                    .containsExactly(groupType);
            assertThat(pool.path("spec").path("template").path("spec").path("expireAfter").asText())
                    .as("NodePool %s: expiry is not blocked by do-not-disrupt", ExampleFiles.name(pool))
                    .isEqualTo("Never");
            assertThat(pool.path("spec").path("disruption").path("consolidationPolicy").asText())
                    .as("NodePool %s", ExampleFiles.name(pool)).isEqualTo("WhenEmpty");
        }
    }

    @Test
    void eachNodeGroupAnnouncesExactlyItsLabelsAndTaintsForScaleFromZero() {
        for (JsonNode group : nodeGroups()) {
            Map<String, String> announced = new LinkedHashMap<>();
            group.path("tags").fields().forEachRemaining(e -> {
                if (e.getKey().startsWith(TEMPLATE_TAG + "label/") || e.getKey().startsWith(TEMPLATE_TAG + "taint/")) {
                    announced.put(e.getKey(), e.getValue().asText());
                }
            });
            Map<String, String> expected = new LinkedHashMap<>();
            group.path("labels").fields().forEachRemaining(e -> expected.put(TEMPLATE_TAG + "label/" + e.getKey(),
                    e.getValue().asText()));
            group.path("taints").forEach(t -> expected.put(TEMPLATE_TAG + "taint/" + t.path("key").asText(),
                    t.path("value").asText() + ":" + t.path("effect").asText()));
            assertThat(announced).as("node group %s", group.path("name").asText()).isEqualTo(expected);
        }
    }

    private static List<JsonNode> gpuFlavors() {
        List<JsonNode> flavors = ExampleFiles.ofKind("ResourceFlavor").stream()
                .filter(f -> f.path("spec").path("nodeLabels").has("nvidia.com/gpu.product")).toList();
        assertThat(flavors).extracting(ExampleFiles::name).containsExactlyInAnyOrder("h100-on-demand", "h100-spot");
        return flavors;
    }

    private static JsonNode pool(JsonNode flavor) {
        return only(nodePools(), p -> p.path("spec").path("template").path("metadata").path("labels"), flavor);
    }

    private static JsonNode group(JsonNode flavor) {
        return only(nodeGroups(), g -> g.path("labels"), flavor);
    }

    private static JsonNode only(List<JsonNode> pools, Function<JsonNode, JsonNode> labels, JsonNode flavor) {
        return pools.stream().filter(p -> contains(labels.apply(p), flavor.path("spec").path("nodeLabels")))
                .findFirst().orElseThrow();
    }

    private static List<JsonNode> nodePools() {
        return ExampleFiles.ofKind("NodePool");
    }

    private static List<JsonNode> nodeGroups() {
        List<JsonNode> groups = new ArrayList<>();
        ExampleFiles.ofKind("ClusterConfig").forEach(c -> c.path("nodeGroups").forEach(groups::add));
        return groups;
    }

    /** The nominal nvidia.com/gpu quota of a flavor, the same in every ClusterQueue that lists it. */
    private static long gpuQuota(String flavor) {
        List<Long> quotas = new ArrayList<>();
        for (JsonNode queue : ExampleFiles.ofKind("ClusterQueue")) {
            for (JsonNode group : queue.path("spec").path("resourceGroups")) {
                for (JsonNode f : group.path("flavors")) {
                    if (f.path("name").asText().equals(flavor)) {
                        f.path("resources").forEach(r -> {
                            if (r.path("name").asText().equals(GPU)) {
                                quotas.add(r.path("nominalQuota").asLong());
                            }
                        });
                    }
                }
            }
        }
        assertThat(quotas).as("GPU quotas of flavor %s", flavor).isNotEmpty().containsOnly(quotas.get(0));
        return quotas.get(0);
    }

    private static boolean contains(JsonNode labels, JsonNode wanted) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        wanted.fields().forEachRemaining(entries::add);
        return !entries.isEmpty() && entries.stream()
                .allMatch(e -> labels.path(e.getKey()).asText("").equals(e.getValue().asText()));
    }

    /** Kubernetes' rule: effects equal or the toleration's empty; keys equal, or an empty key with Exists. */
    private static boolean tolerates(JsonNode toleration, JsonNode taint) {
        String effect = toleration.path("effect").asText("");
        if (!effect.isEmpty() && !effect.equals(taint.path("effect").asText())) {
            return false;
        }
        String key = toleration.path("key").asText("");
        String operator = toleration.path("operator").asText("Equal");
        if (key.isEmpty()) {
            return operator.equals("Exists");
        }
        if (!key.equals(taint.path("key").asText())) {
            return false;
        }
        return operator.equals("Exists") || toleration.path("value").asText("").equals(taint.path("value").asText(""));
    }

    private static JsonNode toleration(String key, String operator, String value, String effect) {
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        if (key != null) {
            t.put("key", key);
        }
        t.put("operator", operator);
        if (value != null) {
            t.put("value", value);
        }
        if (effect != null) {
            t.put("effect", effect);
        }
        return t;
    }

    private static JsonNode taint(String key, String value, String effect) {
        return JsonNodeFactory.instance.objectNode().put("key", key).put("value", value).put("effect", effect);
    }
}
