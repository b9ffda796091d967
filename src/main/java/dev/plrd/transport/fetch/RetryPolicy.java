package dev.plrd.transport.fetch;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a transfer is retried after a 5xx, a 429 or a dropped connection:
 * exponential backoff with jitter (a random wait between half and all of a bound that doubles), so that the stage
 * pods of several families that lost the same server do not come back in step. Bounded: after
 * {@code attempts} tries the failure goes to the Job, whose own retry budget takes over.
 */
public record RetryPolicy(int attempts, Duration firstBackoff, Duration maxBackoff) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(6, Duration.ofMillis(500), Duration.ofSeconds(20));

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, not " + attempts);
        }
    }

    /** The wait before try number {@code retry} (1 for the first retry). */
    public Duration backoff(int retry) {
        long bound = Math.min(maxBackoff.toMillis(), firstBackoff.toMillis() << Math.min(retry - 1, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(bound / 2, bound + 1));
    }
}
