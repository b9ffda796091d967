package dev.plrd.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations such as {@code 45m}, {@code 2h} or {@code 1h30m}, as in Kubernetes and Go. */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("([0-9]+[hms])+");
    private static final Pattern PART = Pattern.compile("([0-9]+)([hms])");

    private Durations() {
    }

    public static Duration parse(String text) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration such as 45m, 2h or 1h30m");
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(text);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            });
        }
        return total;
    }
}
