package dev.plrd.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryTest {
    @Test
    void aPassingFailureIsRetriedUntilItSucceeds() throws IOException {
        AtomicInteger tries = new AtomicInteger();
        String result = new Retry(5, Duration.ofSeconds(5), Duration.ofMillis(1), Duration.ofMillis(5)).run("x", () -> {
            if (tries.incrementAndGet() < 3) {
                throw new TransportException("503", false);
            }
            return "done";
        });
        assertEquals("done", result);
        assertEquals(3, tries.get());
    }

    @Test
    void aPermanentFailureIsNotRetried() {
        AtomicInteger tries = new AtomicInteger();
        TransportException refused = new TransportException("401", true);
        TransportException e = assertThrows(TransportException.class,
                () -> new Retry(5, Duration.ofSeconds(5), Duration.ZERO, Duration.ZERO).run("x", () -> {
                    tries.incrementAndGet();
                    throw refused;
                }));
        assertSame(refused, e);
        assertEquals(1, tries.get());
    }

    @Test
    void theTimeBudgetEndsRetriesBeforeTheAttemptsDo() {
        AtomicInteger tries = new AtomicInteger();
        long start = System.nanoTime();
        TransportException e = assertThrows(TransportException.class,
                () -> new Retry(1000, Duration.ofMillis(300), Duration.ofMillis(50), Duration.ofMillis(50)).run("push", () -> {
                    tries.incrementAndGet();
                    throw new TransportException("connection reset", false);
                }));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertFalse(e.permanent());
        assertTrue(e.getMessage().startsWith("push failed after " + tries.get() + " tries"), e.getMessage());
        assertTrue(e.getMessage().endsWith(": connection reset"), e.getMessage());
        assertTrue(tries.get() > 1 && tries.get() < 1000, tries + " tries");
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "took " + took);
    }

    @Test
    void otherErrorsPassThroughUntouched() {
        AtomicInteger tries = new AtomicInteger();
        IOException disk = new IOException("No space left on device");
        assertSame(disk, assertThrows(IOException.class,
                () -> Retry.DEFAULT.run("x", () -> {
                    tries.incrementAndGet();
                    throw disk;
                })));
        assertEquals(1, tries.get());
    }
}
