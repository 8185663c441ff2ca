package cs.resources.impl;

import cs.resources.runtime.RunStateInfo;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The last known values of RunStates that are no longer tracked, newest first, at most
 * {@code size} of them; a RunState that leaves again replaces its earlier entry. Thread-safe:
 * every method holds this object's monitor, and runs no code but its own under it.
 */
final class History {
    private final int size;
    /** Newest first. Guarded by this. */
    private final Deque<RunStateInfo> entries = new ArrayDeque<>();

    /**
     * @param size how many RunStates to remember
     * @throws IllegalArgumentException if {@code size} is not positive
     */
    History(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("history size must be at least 1, not " + size);
        }
        this.size = size;
    }

    synchronized void add(RunStateInfo info) {
        entries.removeIf(h -> h.id() == info.id());
        entries.addFirst(info);
        while (entries.size() > size) {
            entries.removeLast();
        }
    }

    /** @return the entries, newest first */
    synchronized List<RunStateInfo> entries() {
        return List.copyOf(entries);
    }
}
