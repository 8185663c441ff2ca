package cs.resources.shell;

import cs.resources.runtime.Printable;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type and read them: {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, {@code PT2S}. */
final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Durations() {
    }

    /**
     * @throws IllegalArgumentException naming {@code what} and the text, if it is not a positive
     *     duration
     */
    static Duration parse(String what, String text) {
        Duration d;
        Matcher m = SHORT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } else {
            try {
                d = Duration.parse(text.trim());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(what + ": not a duration: \"" + Printable.escape(text)
                        + "\" (write 500ms, 2s, 1m, 1h or ISO-8601 such as PT2S)");
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + ": the duration must be positive, not " + text);
        }
        return d;
    }

    /** @return e.g. {@code 0.250s}, {@code 12.0s}, {@code 3m05s}, {@code 2h03m} */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 10_000) {
            return String.format(Locale.ROOT, "%.3fs", ms / 1000.0);
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** @return seconds with millisecond precision, e.g. {@code 12.345}, for scripts */
    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }
}
