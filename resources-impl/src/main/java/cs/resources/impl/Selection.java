package cs.resources.impl;

import cs.resources.runtime.RunStateInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Which live RunStates a command's arguments name: each argument is an id (decimal) or a name, and
 * a name matches every live RunState of that name. All-or-nothing: if any argument matches no live
 * RunState, nothing is chosen and the error lists every such argument. Plain Java, no framework.
 */
final class Selection {
    private Selection() {
    }

    /**
     * @param <T> what a live RunState is known by (its tracking entry)
     * @param verb the operation, for the messages ({@code "cancel"})
     * @param idsOrNames the arguments
     * @param live the live RunStates, by id
     * @param nameOf the name of a live entry
     * @param ended the ended RunStates (tracked or in the history), by id, for precise errors
     * @return the chosen entries, by id, each once
     * @throws IllegalArgumentException if {@code idsOrNames} is empty or names something that is not
     *     live (nothing is chosen)
     * @throws NullPointerException if {@code idsOrNames} or one of its elements is null
     */
    static <T> Map<Long, T> choose(String verb, Collection<String> idsOrNames, Map<Long, T> live,
            Function<? super T, String> nameOf, Map<Long, RunStateInfo> ended) {
        return choose(verb, idsOrNames, live, nameOf, ended, id -> null);
    }

    /**
     * As {@link #choose(String, Collection, Map, Function, Map)}, and also refusing live RunStates
     * that cannot take the operation (pause of one not running): each refusal is listed with the
     * other problems, in the order of the arguments, and nothing is chosen.
     *
     * @param refuse says, for the id of a matched live RunState, why it cannot take the operation
     *     (e.g. {@code "is not running (PENDING)"}), or null if it can
     */
    static <T> Map<Long, T> choose(String verb, Collection<String> idsOrNames, Map<Long, T> live,
            Function<? super T, String> nameOf, Map<Long, RunStateInfo> ended, Function<Long, String> refuse) {
        Objects.requireNonNull(idsOrNames, "idsOrNames");
        if (idsOrNames.isEmpty()) {
            throw new IllegalArgumentException(verb + ": give at least one RunState id or name");
        }
        Map<Long, T> chosen = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (String arg : idsOrNames) {
            Objects.requireNonNull(arg, "idsOrNames contains null");
            Long id = parseId(arg);
            Map<Long, T> matches = new TreeMap<>();
            if (id != null && live.containsKey(id)) {
                matches.put(id, live.get(id));
            } else {
                live.forEach((k, t) -> {
                    if (nameOf.apply(t).equals(arg)) {
                        matches.put(k, t);
                    }
                });
            }
            if (!matches.isEmpty()) {
                matches.forEach((k, t) -> {
                    String why = refuse.apply(k);
                    if (why != null) {
                        problems.add("RunState " + k + " " + Text.quote(nameOf.apply(t)) + " " + why);
                    }
                });
                chosen.putAll(matches);
            } else if (id != null && ended.containsKey(id)) {
                problems.add("RunState " + id + " has already ended (" + ended.get(id).state() + ")");
            } else {
                problems.add("no live RunState has the " + (id != null ? "id or name " : "name ") + Text.quote(arg));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(verb + ": " + String.join("; ", problems) + "; nothing was " + pastTense(verb));
        }
        return chosen;
    }

    private static String pastTense(String verb) {
        return switch (verb) {
            case "cancel" -> "cancelled";
            case "pause" -> "paused";
            case "resume" -> "resumed";
            default -> "done";
        };
    }

    /** @return the id {@code arg} spells in decimal digits only; null if it spells none */
    static Long parseId(String arg) {
        if (arg.isEmpty() || arg.length() > 19 || !arg.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            return Long.valueOf(arg);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
