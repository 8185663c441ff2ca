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
 * Writes the plain values of {@link Column} for people, as the shell does: times in this JVM's
 * zone to the second, durations as {@code 3.155s} or {@code 2m 05s}, enums by name, nothing for
 * null. The text is not escaped: {@link Html} does that for the page.
 */
public final class Cells {
    private Cells() {
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

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

    /**
     * @param d a duration
     * @return {@code 0.250s}, {@code 59.999s}, {@code 2m 05s}, {@code 3h 02m}, {@code 4d 03h}
     */
    public static String duration(Duration d) {
        if (d.isNegative()) {
            return "-" + duration(d.negated());
        }
        long s = d.getSeconds();
        if (s < 60) {
            return String.format(Locale.ROOT, "%d.%03ds", s, d.toMillisPart());
        } else if (s < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        } else if (s < 86_400) {
            return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%dd %02dh", s / 86_400, (s % 86_400) / 3600);
    }
}
