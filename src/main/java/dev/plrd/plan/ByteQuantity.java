package dev.plrd.plan;

import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes memory quantity ({@code 80Gi}, {@code 24G}, {@code 85899345920}) as whole bytes: every suffix the
 * CRD's quantity rule lets through is read, so a value the API server accepted never fails here.
 */
public final class ByteQuantity {
    private static final Pattern QUANTITY = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?");
    private static final Map<String, BigDecimal> FACTORS = Map.ofEntries(
            Map.entry("m", BigDecimal.ONE.scaleByPowerOfTen(-3)), Map.entry("k", BigDecimal.TEN.pow(3)),
            Map.entry("M", BigDecimal.TEN.pow(6)), Map.entry("G", BigDecimal.TEN.pow(9)), Map.entry("T", BigDecimal.TEN.pow(12)),
            Map.entry("P", BigDecimal.TEN.pow(15)), Map.entry("E", BigDecimal.TEN.pow(18)),
            Map.entry("Ki", BigDecimal.valueOf(2).pow(10)), Map.entry("Mi", BigDecimal.valueOf(2).pow(20)),
            Map.entry("Gi", BigDecimal.valueOf(2).pow(30)), Map.entry("Ti", BigDecimal.valueOf(2).pow(40)),
            Map.entry("Pi", BigDecimal.valueOf(2).pow(50)), Map.entry("Ei", BigDecimal.valueOf(2).pow(60)));

    private ByteQuantity() {
    }

    /** @param field the spec field it came from, named in the error */
    public static long parse(String field, String text) {
        Matcher m = QUANTITY.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException(field + ": '" + text + "' is not a memory quantity such as 80Gi or 24G");
        }
        BigDecimal factor = m.group(2) == null ? BigDecimal.ONE : FACTORS.get(m.group(2));
        try {
            return new BigDecimal(m.group(1)).multiply(factor).setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(field + ": '" + text + "' is too large", e);
        }
    }
}
