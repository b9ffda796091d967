package dev.plrd.kube;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** deploy/base, applied as {@code kubectl apply --server-side -k deploy/base} would apply it. */
public final class DeployBase {
    public static final Path DIR = Path.of("deploy/base");
    public static final String NAMESPACE = "plrd-system";
    public static final String SERVICE_ACCOUNT = "plrd-operator";

    private DeployBase() {
    }

    /** Applies every rendered object (server-side apply, so it can be repeated) and waits for the CRDs. */
    public static List<HasMetadata> apply(KubernetesClient client) {
        List<HasMetadata> applied = new ArrayList<>();
        for (ObjectNode o : Kustomization.build(DIR)) {
            HasMetadata object = client.getKubernetesSerialization().convertValue(o, GenericKubernetesResource.class);
            applied.add(client.resource(object).fieldManager("plrd-tests").forceConflicts().serverSideApply());
        }
        for (HasMetadata o : applied) {
            if (o.getKind().equals("CustomResourceDefinition")) {
                client.apiextensions().v1().customResourceDefinitions().withName(o.getMetadata().getName())
                        .waitUntilCondition(DeployBase::established, 60, TimeUnit.SECONDS);
            }
        }
        return applied;
    }

    private static boolean established(CustomResourceDefinition crd) {
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
    }
}
