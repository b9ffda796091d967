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

    /**
     * The notation {@link #parse} reads ({@code 30s}, {@code 45m}, {@code 1h30m}), so that messages
     * show a duration as the spec wrote it rather than as ISO-8601 ({@code PT30S}). Whole seconds;
     * a fraction is dropped.
     */
    public static String format(Duration duration) {
        long seconds = duration.getSeconds();
        if (seconds < 0) {
            throw new IllegalArgumentException("'" + duration + "' is negative; durations are 0s or longer");
        }
        if (seconds == 0) {
            return "0s";
        }
        StringBuilder text = new StringBuilder();
        append(text, seconds / 3600, 'h');
        append(text, seconds / 60 % 60, 'm');
        append(text, seconds % 60, 's');
        return text.toString();
    }

    private static void append(StringBuilder text, long n, char unit) {
        if (n > 0) {
            text.append(n).append(unit);
        }
    }
}
