package dev.plrd.transport;

import java.io.IOException;

/**
 * A transfer that failed with an account a user can act on. {@code permanent} failures (404, 401,
 * 403, a digest that does not match) come back the same on a retry, so the stage worker exits with
 * the invalid-input code; the others (5xx, a reset connection after the retry budget) are retried
 * by the Job. Messages name the URI or repository and the HTTP status, never a credential.
 */
public class TransportException extends IOException {
    private final boolean permanent;

    public TransportException(String message, boolean permanent) {
        super(message);
        this.permanent = permanent;
    }

    public TransportException(String message, boolean permanent, Throwable cause) {
        super(message, cause);
        this.permanent = permanent;
    }

    public boolean permanent() {
        return permanent;
    }
}
