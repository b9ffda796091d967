package dev.plrd.operator;

import dev.plrd.kube.KubeApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator under the shipped RBAC with OwnerReferencesPermissionEnforcement, as OpenShift runs
 * it: an owner reference with blockOwnerDeletion needs update on the owner's finalizers.
 */
class OwnerReferencesEnforcementIT extends ServiceAccountWalk {
    private static KubeApiServer server;

    @BeforeAll
    static void start() {
        server = KubeApiServer.start("--enable-admission-plugins=OwnerReferencesPermissionEnforcement");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void walksTwoMembersToReadyAndKeepsItsLease() throws Exception {
        walk(server, "owner-references");
    }
}
