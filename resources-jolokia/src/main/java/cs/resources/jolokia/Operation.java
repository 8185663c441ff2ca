package cs.resources.jolokia;

import java.util.ArrayList;
import java.util.List;

/**
 * An operation as a Jolokia client names it: {@code cancel}, or with its signature,
 * {@code cancel(java.lang.String)} ({@code name()} for none).
 *
 * @param name the operation's name
 * @param types the parameter types when a signature was given, else null (any overload)
 */
record Operation(String name, List<String> types) {

    /**
     * @param operation what the client sent
     * @return the operation, or null if it is not a name with an optional signature (empty, no
     *         name before the parenthesis, an unclosed one, text after it, an empty type)
     */
    static Operation parse(String operation) {
        if (operation == null) {
            return null;
        }
        String s = operation.trim();
        int open = s.indexOf('(');
        if (open < 0) {
            return isName(s) ? new Operation(s, null) : null;
        }
        String name = s.substring(0, open).trim();
        if (!isName(name) || !s.endsWith(")") || s.indexOf('(', open + 1) >= 0 || s.indexOf(')') != s.length() - 1) {
            return null;
        }
        String inside = s.substring(open + 1, s.length() - 1).trim();
        List<String> types = new ArrayList<>();
        if (!inside.isEmpty()) {
            for (String t : inside.split(",", -1)) {
                String type = t.trim();
                if (type.isEmpty() || type.chars().anyMatch(Character::isWhitespace)) {
                    return null;
                }
                types.add(type);
            }
        }
        return new Operation(name, List.copyOf(types));
    }

    private static boolean isName(String s) {
        return !s.isEmpty() && s.chars().noneMatch(c -> Character.isWhitespace(c) || c == ')' || c == ',');
    }
}
