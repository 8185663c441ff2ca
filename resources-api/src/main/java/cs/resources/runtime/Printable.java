package cs.resources.runtime;

/**
 * Makes text safe to print on a terminal. Names of tasks and pools come from code and users; a
 * name holding control characters must not move the cursor, recolour or retitle an operator's
 * console, or forge lines of a listing.
 */
public final class Printable {
    private Printable() {
    }

    /**
     * Escapes {@code text} for a terminal: a backslash becomes {@code \\}; a control character (C0,
     * DEL, C1) or a Unicode bidirectional control (U+202A–U+202E, U+2066–U+2069) becomes
     * {@code \\uXXXX}. Everything else, including non-ASCII letters, is kept.
     *
     * @param text what to print
     * @return the escaped text; the same string if nothing needed escaping
     * @throws NullPointerException if {@code text} is null
     */
    public static String escape(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && !special(text.charAt(i))) {
            i++;
        }
        if (i == n) {
            return text;
        }
        StringBuilder b = new StringBuilder(n + 16).append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (special(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean special(char c) {
        return c < 0x20 || c == '\\' || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E)
                || (c >= 0x2066 && c <= 0x2069);
    }
}
