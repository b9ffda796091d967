package dev.plrd.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every file of examples/kueue, examples/autoscaling and examples/trainer parses, and holds only the kinds these
 * examples are about, each at the API version that was checked against the upstream CRDs (Kueue v0.19.2, Karpenter
 * v1.14.1, Kubeflow Trainer v2.3.0) and eksctl's config schema, with the names that the other examples refer to.
 */
class SetupManifestsTest {
    private static final Map<String, String> API_VERSIONS = Map.of(
            "ResourceFlavor", "kueue.x-k8s.io/v1beta2",
            "ClusterQueue", "kueue.x-k8s.io/v1beta2",
            "LocalQueue", "kueue.x-k8s.io/v1beta2",
            "NodePool", "karpenter.sh/v1",
            "EC2NodeClass", "karpenter.k8s.aws/v1",
            "ClusterConfig", "eksctl.io/v1alpha5",
            "ClusterTrainingRuntime", "trainer.kubeflow.org/v1alpha1");
    /** Kubernetes object names: DNS subdomains (eksctl names its node groups the same way). */
    private static final String NAME = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?";

    @TestFactory
    Stream<DynamicTest> everyDocumentIsAKnownKindAtItsApiVersion() {
        List<Path> files = ExampleFiles.setupFiles();
        assertThat(files).extracting(p -> ExampleFiles.EXAMPLES.relativize(p).toString()).contains(
                "kueue/resource-flavors.yaml", "kueue/cluster-queues.yaml", "kueue/local-queues.yaml",
                "autoscaling/karpenter-h100.yaml", "autoscaling/eksctl-cluster-autoscaler.yaml",
                "trainer/plrd-torch-distributed.yaml");
        return files.stream().map(file -> DynamicTest.dynamicTest(file.toString(), () -> {
            for (JsonNode doc : ExampleFiles.documents(file)) {
                String kind = doc.path("kind").asText();
                assertThat(API_VERSIONS).as("%s: kind %s", file, kind).containsKey(kind);
                assertThat(doc.path("apiVersion").asText()).as("%s: %s apiVersion", file, kind)
                        .isEqualTo(API_VERSIONS.get(kind));
                assertThat(ExampleFiles.name(doc)).as("%s: %s metadata.name", file, kind).matches(NAME);
            }
        }));
    }

    @Test
    void theSetupHasTheObjectsTheFamiliesAndTheOperatorNameForBothNodePoolKinds() {
        assertThat(ExampleFiles.ofKind("ResourceFlavor")).extracting(ExampleFiles::name)
                .containsExactlyInAnyOrder("cpu", "h100-on-demand", "h100-spot");
        assertThat(ExampleFiles.ofKind("ClusterQueue")).extracting(ExampleFiles::name)
                .containsExactlyInAnyOrder("gpu-h100", "gpu-h100-spot");
        assertThat(ExampleFiles.ofKind("LocalQueue")).extracting(ExampleFiles::name)
                .containsExactlyInAnyOrder("gpu-h100", "spot-gpus");
        assertThat(ExampleFiles.ofKind("NodePool")).extracting(ExampleFiles::name)
                .containsExactlyInAnyOrder("gpu-h100", "gpu-h100-spot");
        assertThat(ExampleFiles.ofKind("ClusterConfig")).hasSize(1);
        assertThat(ExampleFiles.ofKind("ClusterConfig").get(0).path("nodeGroups")).extracting(g -> g.path("name").asText())
                .containsExactlyInAnyOrder("gpu-h100", "gpu-h100-spot");
        assertThat(ExampleFiles.ofKind("ClusterTrainingRuntime")).extracting(ExampleFiles::name)
                .containsExactly("plrd-torch-distributed");
    }
}
