package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.ModelFamily;
import dev.plrd.kube.DeployBase;
import dev.plrd.kube.KubeApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.UUID;

/** What the operator tests on a real API server share: namespaces as a cluster makes them, a two-member family. */
abstract class RealApiServerSupport extends OperatorTestSupport {
    /** Where each operator process writes its log (kept after the run, for a failure's story). */
    static Path workDir(String name) {
        return Path.of("target/real-api-server", name + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * A new namespace with its "default" service account, which the controller-manager would create
     * and which pod admission requires (there is no controller-manager here).
     */
    static String namespace(KubeApiServer server, String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        KubernetesClient admin = server.admin();
        admin.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        admin.resource(new ServiceAccountBuilder().withNewMetadata().withName("default").withNamespace(name)
                .endMetadata().build()).create();
        return name;
    }

    /** The service account "operator" in the namespace, bound cluster-wide to the cluster role. */
    static void operatorAccount(KubernetesClient admin, String ns, String clusterRole) {
        admin.resource(new ServiceAccountBuilder().withNewMetadata().withName("operator").withNamespace(ns)
                .endMetadata().build()).create();
        admin.resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(ns + "-operator").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", clusterRole)
                .addNewSubject().withKind("ServiceAccount").withName("operator").withNamespace(ns).endSubject()
                .build()).create();
    }

    /**
     * Removes the leader Lease of deploy/base's namespace, as on a cluster where the operator never ran. An operator
     * that stopped leaves its Lease held until it expires: the next class on the shared server would wait that long
     * for its operator to lead, and would take the stopped one for the holder until then.
     */
    static void noLeaderYet(KubernetesClient admin) {
        admin.leases().inNamespace(DeployBase.NAMESPACE).withName(LeaderElection.LEASE).delete();
    }

    /** Two members, the default stages: eight stage Jobs to Ready. */
    static ModelFamily twoMembers(String name, String namespace, String first, String second) {
        return Families.parse("""
                apiVersion: plrd.dev/v1alpha1
                kind: ModelFamily
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  base:
                    uri: hf://mistralai/Mistral-7B-v0.1
                    revision: 26bca36bde8333b5d7f72e9ed20ccda6a618af24
                  members:
                    - name: %s
                      targetParameters: 5B
                    - name: %s
                      targetParameters: 3.1B
                  training:
                    dataset: s3://corpus/slimpajama-6b
                    tokens: 1B
                  evaluation:
                    maxPerplexityRatio: 1.5
                  publish:
                    repository: registry.example.com/models/mistral-family
                """.formatted(name, namespace, first, second));
    }

    static void assertAllStagesSucceeded(ModelFamily mf) {
        assertThat(mf.getStatus().members).hasSize(2).allSatisfy(m -> assertThat(m.stages)
                .allSatisfy(s -> assertThat(s.phase).as(m.name + "/" + s.name).hasToString("Succeeded")));
    }
}
