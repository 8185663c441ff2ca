package cs.resources.webconsole;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the plain values of {@link Column} as JSON: numbers and booleans as they are, an {@link
 * Instant} as an ISO-8601 string, a {@link Duration} as milliseconds, an enum by name, maps as
 * objects, collections as arrays. Strings are escaped so that the output is also safe inside HTML
 * ({@code <}, {@code >}, {@code &} and the line separators become {@code \}{@code uXXXX}).
 */
public final class Json {
    private Json() {
    }

    /**
     * @param columns the columns
     * @param row a row
     * @param <T> the row type
     * @return the row as an ordered map, key by key
     */
    public static <T> Map<String, Object> row(List<Column<T>> columns, T row) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Column<T> c : columns) {
            m.put(c.key(), c.of(row));
        }
        return m;
    }

    /**
     * @param value a plain value (see the class comment)
     * @return it as JSON
     * @throws IllegalArgumentException for a value of another type, or a map key that is not a string
     */
    public static String write(Object value) {
        StringBuilder b = new StringBuilder(256);
        write(value, b);
        return b.toString();
    }

    /**
     * @param value a plain value (see the class comment)
     * @param b where to append it as JSON
     */
    public static void write(Object value, StringBuilder b) {
        if (value == null) {
            b.append("null");
        } else if (value instanceof String s) {
            quote(s, b);
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte) {
            b.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            b.append(Double.isFinite(d) ? value.toString() : "null");
        } else if (value instanceof Duration d) {
            b.append(d.toMillis());
        } else if (value instanceof Instant || value instanceof Enum) {
            quote(value instanceof Enum<?> e ? e.name() : value.toString(), b);
        } else if (value instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new IllegalArgumentException("JSON: a map key must be a string, not " + e.getKey());
                }
                if (!first) {
                    b.append(',');
                }
                first = false;
                quote(k, b);
                b.append(':');
                write(e.getValue(), b);
            }
            b.append('}');
        } else if (value instanceof Collection<?> c) {
            b.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                write(o, b);
            }
            b.append(']');
        } else {
            throw new IllegalArgumentException("JSON: cannot write a " + value.getClass().getName());
        }
    }

    private static void quote(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029' || c == 0x7F) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
