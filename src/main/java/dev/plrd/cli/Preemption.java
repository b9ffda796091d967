package dev.plrd.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns SIGTERM (a preempted or evicted pod, a drained node) into a stop request that the worker
 * answers with a final checkpoint. The JVM runs shutdown hooks on SIGTERM while other threads keep
 * going; the hook raises the flag and holds the JVM open until the worker says it is done, or
 * until the grace period the kubelet gives is nearly spent.
 */
final class Preemption implements AutoCloseable {
    /** Kept free at the end of the grace period for the JVM to exit before the SIGKILL. */
    static final long MARGIN_SECONDS = 5;

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    Preemption(Duration grace) {
        hook = new Thread(() -> {
            requested.set(true);
            System.err.println("stop requested (SIGTERM): saving the training state before exit");
            try {
                finished.await(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "plrd-preemption");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    boolean requested() {
        return requested.get();
    }

    /** The worker is done (state saved, result written): the JVM may exit. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it returns now that finished is counted down
        }
    }
}
