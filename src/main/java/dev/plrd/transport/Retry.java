package dev.plrd.transport;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a transfer (a registry operation, a download) is retried when it fails in a way that may
 * pass (a 5xx, a 429, a reset or refused connection: a {@link TransportException} that is not
 * permanent): up to {@code attempts}
 * tries within {@code budget}, waiting a random time between zero and an exponentially growing cap
 * ("full jitter", so that many pods retrying at once spread out instead of hitting the registry
 * together). Permanent failures are thrown at once.
 *
 * @param attempts   tries in all, at least 1
 * @param budget     no retry starts once this much time has passed since the first try
 * @param firstDelay the cap of the first wait; it doubles on every retry
 * @param maxDelay   the largest cap
 */
public record Retry(int attempts, Duration budget, Duration firstDelay, Duration maxDelay) {
    /** Six tries within two minutes, waits capped at 0.5, 1, 2, 4, 8 s. */
    public static final Retry DEFAULT = new Retry(6, Duration.ofMinutes(2), Duration.ofMillis(500),
            Duration.ofSeconds(30));

    public Retry {
        if (attempts < 1) {
            throw new IllegalArgumentException("retry attempts must be at least 1, not " + attempts);
        }
        if (budget.isNegative() || firstDelay.isNegative() || maxDelay.isNegative()) {
            throw new IllegalArgumentException("retry durations must not be negative");
        }
    }

    /** One try of an operation, started from scratch each time. */
    @FunctionalInterface
    public interface Operation<T> {
        T run() throws IOException;
    }

    /** Runs the operation, retrying it while it fails with a non-permanent TransportException. */
    public <T> T run(String what, Operation<T> operation) throws IOException {
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.run();
            } catch (TransportException e) {
                if (e.permanent()) {
                    throw e;
                }
                long delay = delayMillis(attempt);
                Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
                if (attempt >= attempts || elapsed.plusMillis(delay).compareTo(budget) > 0) {
                    throw new TransportException(what + " failed after " + attempt + " tries in "
                            + elapsed.toSeconds() + " s: " + e.getMessage(), false, e);
                }
                System.err.printf(Locale.ROOT, "%s: try %d of %d failed (%s); retrying in %.1f s%n", what, attempt,
                        attempts, e.getMessage(), delay / 1000.0);
                sleep(delay);
            }
        }
    }

    private long delayMillis(int attempt) {
        long cap = firstDelay.toMillis() << Math.min(attempt - 1, 30);
        cap = Math.min(cap < 0 ? Long.MAX_VALUE : cap, maxDelay.toMillis());
        return cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
    }

    private static void sleep(long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }
}
