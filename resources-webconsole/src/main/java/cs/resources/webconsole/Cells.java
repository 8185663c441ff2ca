package cs.resources.webconsole;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes the plain values of {@link Column} for people, in one format each: times in this JVM's
 * zone to the second on the 24-hour clock ({@code 2026-11-26 13:00:32}; {@code 13:00:32} where the
 * day goes without saying), durations in their two largest units ({@code 250ms}, {@code 57s 503ms},
 * {@code 1m 37s}, {@code 2h 03m}), enums by name, nothing for null. The text is not escaped:
 * {@link Html} does that for the page.
 */
public final class Cells {
    private Cells() {
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    /**
     * @param t an instant
     * @param zone where it is read
     * @return the 24-hour clock time, {@code 13:00:32}
     */
    public static String clock(Instant t, ZoneId zone) {
        return CLOCK.format(t.atZone(zone));
    }

    /**
     * @param value a plain value
     * @return how a person reads it
     */
    public static String text(Object value) {
        if (value == null) {
            return "";
        } else if (value instanceof Instant t) {
            return TIME.format(t.atZone(ZoneId.systemDefault()));
        } else if (value instanceof Duration d) {
            return duration(d);
        } else if (value instanceof Enum<?> e) {
            return e.name();
        } else if (value instanceof Boolean b) {
            return b ? "yes" : "no";
        } else if (value instanceof Map<?, ?> m) {
            return m.entrySet().stream().map(e -> text(e.getKey()) + ": " + text(e.getValue()))
                    .collect(Collectors.joining(", "));
        } else if (value instanceof Collection<?> c) {
            return c.stream().map(Cells::text).collect(Collectors.joining(", "));
        }
        return value.toString();
    }

    /**
     * @param value a plain value
     * @return whether it is a number (right-aligned)
     */
    public static boolean numeric(Object value) {
        return value instanceof Number || value instanceof Duration;
    }

    /** The units of {@link #duration}, largest first, in nanoseconds, and their symbols. */
    private static final long[] UNIT = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L,
        1_000_000L, 1_000L, 1L};
    private static final String[] SYMBOL = {"d", "h", "m", "s", "ms", "\u00b5s", "ns"};
    /** How many digits the second unit is padded to, after each first unit. */
    private static final int[] PAD = {2, 2, 2, 3, 3, 3, 0};

    /**
     * One style for every duration: its two largest units, the second padded ({@code 57s 503ms},
     * {@code 1m 37s}, {@code 2h 03m}, {@code 4d 03h}), a zero second unit left out ({@code 10m});
     * below a millisecond, microseconds ({@code 30µs}); {@code 0s} for nothing.
     *
     * @param d a duration
     * @return how a person reads it
     */
    public static String duration(Duration d) {
        if (d.isNegative()) {
            return "-" + duration(d.negated());
        }
        if (d.isZero()) {
            return "0s";
        }
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException tooLong) { // over 292 years
            return d.toDays() + "d";
        }
        for (int u = 0; u < UNIT.length - 1; u++) {
            long first = nanos / UNIT[u];
            if (first == 0) {
                continue;
            }
            long second = (nanos % UNIT[u]) / UNIT[u + 1];
            return second == 0 ? first + SYMBOL[u]
                    : String.format(Locale.ROOT, "%d%s %0" + PAD[u] + "d%s", first, SYMBOL[u], second, SYMBOL[u + 1]);
        }
        return nanos + "ns";
    }
}
