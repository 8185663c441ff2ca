package cs.resources.webconsole;

import java.util.Objects;
import java.util.function.Function;

/**
 * One column of a table the page, {@code resources.json} and the inventory show: a JSON key, a
 * header for people, and how to get the value from a row.
 *
 * <p>Values are plain: {@link Number}, {@link String}, {@link Boolean}, {@link Enum}, {@link
 * java.time.Instant}, {@link java.time.Duration}, a {@link java.util.Map} or {@link
 * java.util.Collection} of those, or null. {@link Json} and {@link Cells} know how to write each.
 *
 * @param key the JSON key
 * @param header the column header on the page and in the text dump; null to leave the column out
 *     of both (it is in the JSON only)
 * @param value the value of a row
 * @param text how people read a row's cell: by default {@link Cells#text} of the value; a column
 *     whose JSON value is structured (a list of records as maps) or whose cell says more than
 *     the value (the phase with its flags) gives its own
 * @param <T> the row type
 */
public record Column<T>(String key, String header, Function<? super T, ?> value, Function<? super T, String> text) {

    /** @throws NullPointerException if {@code key}, {@code value} or {@code text} is null */
    public Column {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(text, "text");
    }

    /**
     * A column whose cell is {@link Cells#text} of its value.
     *
     * @param key the JSON key
     * @param header the header, or null for a JSON-only column
     * @param value the value of a row
     * @throws NullPointerException if {@code key} or {@code value} is null
     */
    public Column(String key, String header, Function<? super T, ?> value) {
        this(key, header, value, row -> Cells.text(value.apply(row)));
    }

    /**
     * @param row a row
     * @return this column's cell in it, as people read it (not escaped)
     */
    public String textOf(T row) {
        return text.apply(row);
    }

    /** @return whether the page and the text dump show this column */
    public boolean shown() {
        return header != null;
    }

    /**
     * @param row a row
     * @return this column's value in it (may be null)
     */
    public Object of(T row) {
        return value.apply(row);
    }
}
