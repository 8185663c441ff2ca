package cs.resources.shell;

import cs.resources.runtime.Printable;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A listing printed as an aligned table (header, numbers right-aligned) or, for scripts, as plain
 * tab-separated rows without a header. Every cell is escaped with {@link Printable#escape}, so a
 * name cannot drive the terminal or break a row.
 */
final class Table {
    private final String[] header;
    private final boolean[] numeric;
    private final List<String[]> rows = new ArrayList<>();

    /**
     * @param header column titles; a title starting with {@code #} marks a right-aligned (numeric)
     *     column, the {@code #} is not printed
     */
    Table(String... header) {
        this.header = new String[header.length];
        this.numeric = new boolean[header.length];
        for (int i = 0; i < header.length; i++) {
            numeric[i] = header[i].startsWith("#");
            this.header[i] = numeric[i] ? header[i].substring(1) : header[i];
        }
    }

    Table row(Object... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("row of " + cells.length + " cells in a table of " + header.length + " columns");
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = Printable.escape(String.valueOf(cells[i]));
        }
        rows.add(row);
        return this;
    }

    int size() {
        return rows.size();
    }

    void print(PrintStream out, boolean plain) {
        if (plain) {
            for (String[] row : rows) {
                out.println(String.join("\t", row));
            }
            return;
        }
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        out.println(line(header, width));
        for (String[] row : rows) {
            out.println(line(row, width));
        }
    }

    private String line(String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                b.append("  ");
            }
            boolean last = i == cells.length - 1;
            String pad = " ".repeat(width[i] - cells[i].length());
            if (numeric[i]) {
                b.append(pad).append(cells[i]);
            } else {
                b.append(cells[i]).append(last ? "" : pad);
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "Table" + Arrays.toString(header) + " of " + rows.size() + " rows";
    }
}
