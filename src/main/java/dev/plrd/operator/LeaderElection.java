package dev.plrd.operator;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.Quarkus;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * A Lease in the operator's own namespace, so that during a rollout (or with replicas > 1) only
 * one process creates Jobs and writes status. Active in the prod profile only
 * (quarkus.operator-sdk.activate-leader-election-for-profiles).
 *
 * <p>JOSDK's own reaction to losing the lease is {@code System.exit(1)}, also when the lease ends
 * because the operator is stopping. On SIGTERM that call runs inside Quarkus' shutdown, which
 * holds the JVM's shutdown lock and waits for it: the process never exits. So the exit is ours:
 * a lease lost while running stops Quarkus with exit code 1; a lease given up on shutdown does nothing.
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
    public static final String LEASE = "plrd-operator-lease";
    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    public LeaderElection() {
        super(LEASE, null, LEASE_DURATION_DEFAULT_VALUE, RENEW_DEADLINE_DEFAULT_VALUE, RETRY_PERIOD_DEFAULT_VALUE, null,
                new LeaderCallbacks(() -> { }, LeaderElection::stoppedLeading, leader -> { }), false);
    }

    private static void stoppedLeading() {
        if (!ApplicationLifecycleManager.isVmShuttingDown()) {
            LOG.error("lost the leader lease " + LEASE + "; stopping, so that another instance can take over");
            Quarkus.asyncExit(1);
        }
    }
}
