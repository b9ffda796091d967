package dev.plrd.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;

/**
 * A Lease in the operator's own namespace, so that during a rollout (or with replicas > 1) only
 * one process creates Jobs and writes status. Active in the prod profile only
 * (quarkus.operator-sdk.activate-leader-election-for-profiles).
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
    public static final String LEASE = "plrd-operator-lease";

    public LeaderElection() {
        super(LEASE);
    }
}
