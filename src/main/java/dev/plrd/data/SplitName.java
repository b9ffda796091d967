package dev.plrd.data;

import java.util.Locale;

/** Which part of a dataset's token stream: the training part, the held-out tail, or all of it. */
public enum SplitName {
    TRAIN, HELD_OUT, ALL;

    /** The name on the command line: {@code train}, {@code held-out}, {@code all}. */
    public String cli() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static SplitName parse(String cli) {
        for (SplitName s : values()) {
            if (s.cli().equals(cli)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown split '" + cli + "': expected train, held-out or all");
    }
}
