package dev.plrd.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** deploy/base on a real API server: every object accepted, and the rendering the tests use is kustomize's. */
@ExtendWith(SharedKubeApiServer.class)
class DeployBaseIT {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyObjectIsAccepted(KubeApiServer server) {
        List<HasMetadata> applied = DeployBase.apply(server.admin());

        assertThat(applied).extracting(HasMetadata::getKind).contains("Namespace", "CustomResourceDefinition",
                "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service");
        for (HasMetadata o : applied) {
            HasMetadata stored = server.admin().resource(o).get();
            assertThat(stored).as("%s %s stored", o.getKind(), o.getMetadata().getName()).isNotNull();
            assertThat(stored.getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "plrd");
        }
    }

    /** Where a kubectl with kustomize v5 is installed, its rendering and ours are the same objects. */
    @Test
    void renderingIsWhatKustomizeBuilds() throws Exception {
        Assumptions.assumeTrue(Kubectl.hasKustomizeV5(), "kubectl with kustomize v5 is not installed");
        Kubectl.Result kustomize = Kubectl.run(null, "kustomize", DeployBase.DIR.toString());
        assertThat(kustomize.code()).as(kustomize.output()).isZero();

        Map<String, Object> ours = byId(Kustomization.build(DeployBase.DIR));
        Map<String, Object> theirs = byId(YAML.readValues(YAML.getFactory().createParser(kustomize.output()),
                ObjectNode.class).readAll());
        assertThat(ours.keySet()).isEqualTo(theirs.keySet());
        ours.forEach((id, object) -> assertThat(object).as(id).isEqualTo(theirs.get(id)));
    }

    private static Map<String, Object> byId(List<ObjectNode> objects) {
        Map<String, Object> out = new TreeMap<>();
        objects.forEach(o -> out.put(o.path("kind").asText() + "/" + o.path("metadata").path("namespace").asText()
                + "/" + o.path("metadata").path("name").asText(), canonical(o)));
        return out;
    }

    /** The tree with numbers by value: kustomize writes the CRD's {@code minimum: 1.0} as {@code 1}. */
    private static Object canonical(JsonNode node) {
        if (node.isNumber()) {
            return node.decimalValue().stripTrailingZeros().toPlainString();
        }
        if (node.isObject()) {
            Map<String, Object> out = new TreeMap<>();
            node.fields().forEachRemaining(f -> out.put(f.getKey(), canonical(f.getValue())));
            return out;
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>();
            node.forEach(e -> out.add(canonical(e)));
            return out;
        }
        return node;
    }
}
