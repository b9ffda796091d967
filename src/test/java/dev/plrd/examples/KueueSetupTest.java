package dev.plrd.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plrd.api.ModelFamilySpec;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * examples/kueue holds together and admits the example families that name a queue: every LocalQueue leads to a
 * ClusterQueue, every flavor a ClusterQueue lists exists and has a quota for each covered resource, and, taking
 * flavors in order as Kueue's flavor assignment does on an empty ClusterQueue, each stage of each family lands on
 * the flavor meant for it: CPU stages on cpu, GPU stages on the H100 flavor of their product, and a multi-node
 * train stage with all its nodes inside one flavor's quota (gang admission: a gang larger than the quota is never
 * admitted).
 */
class KueueSetupTest {
    private static final String GPU = "nvidia.com/gpu";
    private static final String GPU_PRODUCT = "nvidia.com/gpu.product";

    @Test
    void everyLocalQueueLeadsToAClusterQueueWhoseFlavorsExist() {
        Set<String> clusterQueues = names("ClusterQueue");
        Set<String> flavors = names("ResourceFlavor");
        for (JsonNode local : ExampleFiles.ofKind("LocalQueue")) {
            assertThat(local.path("metadata").path("namespace").asText()).as("LocalQueue %s namespace",
                    ExampleFiles.name(local)).isEqualTo("ml-team");
            assertThat(clusterQueues).as("LocalQueue %s", ExampleFiles.name(local))
                    .contains(local.path("spec").path("clusterQueue").asText());
        }
        for (JsonNode queue : ExampleFiles.ofKind("ClusterQueue")) {
            for (JsonNode group : queue.path("spec").path("resourceGroups")) {
                for (JsonNode flavor : group.path("flavors")) {
                    assertThat(flavors).as("ClusterQueue %s", ExampleFiles.name(queue))
                            .contains(flavor.path("name").asText());
                }
            }
        }
    }

    @Test
    void everyFlavorOfAClusterQueueHasAQuotaForEachCoveredResource() {
        for (JsonNode queue : ExampleFiles.ofKind("ClusterQueue")) {
            for (JsonNode group : queue.path("spec").path("resourceGroups")) {
                List<String> covered = texts(group.path("coveredResources"));
                assertThat(covered).as("ClusterQueue %s covers", ExampleFiles.name(queue))
                        .containsExactlyInAnyOrder("cpu", "memory", GPU);
                for (JsonNode flavor : group.path("flavors")) {
                    assertThat(flavor.path("resources")).extracting(r -> r.path("name").asText())
                            .as("ClusterQueue %s flavor %s", ExampleFiles.name(queue), flavor.path("name").asText())
                            .containsExactlyElementsOf(covered);
                }
            }
        }
    }

    @Test
    void everyQueueAFamilyNamesIsALocalQueueOfItsNamespace() {
        List<ExampleFiles.Family> queued = queuedFamilies();
        assertThat(queued).extracting(ExampleFiles.Family::toString)
                .contains("llama2-7b-family.yaml", "kueue-spot-family.yaml");
        for (ExampleFiles.Family family : queued) {
            JsonNode local = ExampleFiles.named("LocalQueue", family.spec().scheduling.queueName);
            assertThat(local.path("metadata").path("namespace").asText()).as("%s: its LocalQueue's namespace", family)
                    .isEqualTo(family.namespace());
        }
    }

    static List<ExampleFiles.Family> queuedFamilies() {
        return ExampleFiles.families().stream()
                .filter(f -> f.spec().scheduling != null && f.spec().scheduling.queueName != null).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("queuedFamilies")
    void everyStageIsAdmittedToTheFlavorMeantForIt(ExampleFiles.Family family) {
        ModelFamilySpec spec = family.spec();
        JsonNode queue = ExampleFiles.named("ClusterQueue",
                ExampleFiles.named("LocalQueue", spec.scheduling.queueName).path("spec").path("clusterQueue").asText());
        for (PlannedStage stage : Planner.plan(spec)) {
            String flavor = admittedFlavor(queue, stage, spec);
            if (stage.gpus() == 0) {
                assertThat(flavor).as("%s: %s", family, stage.id()).isEqualTo("cpu");
            } else {
                assertThat(flavor).as("%s: %s (%d x %d GPUs)", family, stage.id(), stage.nodes(), stage.gpus())
                        .isNotNull().isNotEqualTo("cpu");
                assertThat(ExampleFiles.named("ResourceFlavor", flavor).path("spec").path("nodeLabels")
                        .path(GPU_PRODUCT).asText()).as("%s: %s lands on its product", family, stage.id())
                        .isEqualTo(spec.scheduling.gpu.product);
            }
        }
    }

    @Test
    void theSpotFamilyIsAdmittedToSpotNodesAndTheLlamaGangToOnDemandOnes() {
        assertThat(trainFlavor("kueue-spot-family.yaml")).isEqualTo("h100-spot");
        assertThat(trainFlavor("llama2-7b-family.yaml")).isEqualTo("h100-on-demand");
    }

    @Test
    void aGangLargerThanTheQuotaIsNeverAdmitted() {
        ExampleFiles.Family llama = family("llama2-7b-family.yaml");
        JsonNode queue = ExampleFiles.named("ClusterQueue", "gpu-h100");
        PlannedStage train = train(llama.spec());
        PlannedStage threeNodes = new PlannedStage(train.member(), train.stage(), train.fingerprint(), train.args(),
                train.gpus(), 3, train.torch(), train.credentials());
        assertThat(admittedFlavor(queue, threeNodes, llama.spec())).as("3 x 8 GPUs against a quota of 16").isNull();
    }

    private static String trainFlavor(String file) {
        ExampleFiles.Family family = family(file);
        JsonNode queue = ExampleFiles.named("ClusterQueue",
                ExampleFiles.named("LocalQueue", family.spec().scheduling.queueName).path("spec").path("clusterQueue")
                        .asText());
        return admittedFlavor(queue, train(family.spec()), family.spec());
    }

    /**
     * The first flavor, in the ClusterQueue's order, whose node labels agree with the pods' nodeSelector and whose
     * nominal quota holds every pod of the stage; null when none does.
     */
    private static String admittedFlavor(JsonNode queue, PlannedStage stage, ModelFamilySpec spec) {
        Map<String, BigDecimal> perPod = requests(stage, spec);
        Map<String, String> nodeSelector = nodeSelector(stage, spec);
        for (JsonNode group : queue.path("spec").path("resourceGroups")) {
            for (JsonNode flavor : group.path("flavors")) {
                JsonNode labels = ExampleFiles.named("ResourceFlavor", flavor.path("name").asText()).path("spec")
                        .path("nodeLabels");
                boolean agrees = nodeSelector.entrySet().stream()
                        .allMatch(e -> !labels.has(e.getKey()) || labels.path(e.getKey()).asText().equals(e.getValue()));
                if (agrees && fits(flavor, perPod, stage.nodes())) {
                    return flavor.path("name").asText();
                }
            }
        }
        return null;
    }

    private static boolean fits(JsonNode flavor, Map<String, BigDecimal> perPod, int pods) {
        for (JsonNode quota : flavor.path("resources")) {
            BigDecimal wanted = perPod.getOrDefault(quota.path("name").asText(), BigDecimal.ZERO)
                    .multiply(BigDecimal.valueOf(pods));
            if (wanted.compareTo(amount(quota.path("nominalQuota").asText())) > 0) {
                return false;
            }
        }
        return true;
    }

    /** What the operator asks for per pod: scheduling.resources, and the stage's GPUs. */
    private static Map<String, BigDecimal> requests(PlannedStage stage, ModelFamilySpec spec) {
        Map<String, BigDecimal> requests = new LinkedHashMap<>();
        if (spec.scheduling.resources != null && spec.scheduling.resources.cpu != null) {
            requests.put("cpu", amount(spec.scheduling.resources.cpu));
        }
        if (spec.scheduling.resources != null && spec.scheduling.resources.memory != null) {
            requests.put("memory", amount(spec.scheduling.resources.memory));
        }
        requests.put(GPU, BigDecimal.valueOf(stage.gpus()));
        return requests;
    }

    /** The operator's nodeSelector: the GPU product on GPU stages, plus scheduling.nodeSelector on every stage. */
    private static Map<String, String> nodeSelector(PlannedStage stage, ModelFamilySpec spec) {
        Map<String, String> selector = new LinkedHashMap<>();
        if (stage.gpus() > 0 && spec.scheduling.gpu.product != null) {
            selector.put(GPU_PRODUCT, spec.scheduling.gpu.product);
        }
        if (spec.scheduling.nodeSelector != null) {
            selector.putAll(spec.scheduling.nodeSelector);
        }
        return selector;
    }

    private static PlannedStage train(ModelFamilySpec spec) {
        return Planner.plan(spec).stream().filter(s -> s.stage().id().equals("train")).findFirst().orElseThrow();
    }

    private static ExampleFiles.Family family(String file) {
        return ExampleFiles.families().stream().filter(f -> f.toString().equals(file)).findFirst().orElseThrow();
    }

    private static BigDecimal amount(String quantity) {
        return Quantity.getAmountInBytes(new Quantity(quantity));
    }

    private static Set<String> names(String kind) {
        return new TreeSet<>(ExampleFiles.ofKind(kind).stream().map(ExampleFiles::name).toList());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
