package dev.plrd.api;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Counts written the way people say them: {@code 3.1B} parameters, {@code 1B} tokens, {@code 500M}. */
public final class Counts {
    private static final Pattern COUNT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)([KMBT]?)");

    private Counts() {
    }

    /** The count as a whole number (a fraction of one is rounded half up). */
    public static long parse(String text) {
        Matcher m = COUNT.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a count such as 3.1B, 500M or 7000000");
        }
        int exponent = switch (m.group(2)) {
            case "K" -> 3;
            case "M" -> 6;
            case "B" -> 9;
            case "T" -> 12;
            default -> 0;
        };
        try {
            return new BigDecimal(m.group(1)).scaleByPowerOfTen(exponent)
                    .setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a count", e);
        }
    }
}
