package dev.plrd.operator;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** RFC 3339 at second precision, as Kubernetes writes times. */
final class Timestamps {
    private Timestamps() {
    }

    static String format(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static Instant parse(String text) {
        return text == null ? null : Instant.parse(text);
    }
}
