package dev.plrd.operator;

import dev.plrd.kube.KubeApiServer;
import dev.plrd.kube.SharedKubeApiServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The operator under the shipped RBAC on a plain API server. */
@ExtendWith(SharedKubeApiServer.class)
class ShippedRbacIT extends ServiceAccountWalk {
    @Test
    void walksTwoMembersToReadyAndKeepsItsLease(KubeApiServer server) throws Exception {
        walk(server, "shipped-rbac");
    }
}
