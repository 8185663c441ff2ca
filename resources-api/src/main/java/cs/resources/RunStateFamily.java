package cs.resources;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * Parent and children of {@link RunState}s (docs/design.md, section 5, "Parent and children").
 *
 * <p>A child's {@link RunStateExtras} hold its parent twice: weakly, for its whole life, and
 * strongly while the child has not ended ({@code liveParent}). A parent holds its live children in
 * a {@link WeakHashMap} in its own extras, guarded by its lock. Lock order: a child's lock, then
 * its parent's; a parent never takes a child's lock inside its own, so a tree cannot deadlock. The
 * map's keys are always plain RunStates made by {@link #child}, so it calls no user
 * {@code hashCode}/{@code equals}.
 */
final class RunStateFamily {

    private RunStateFamily() {
    }

    /**
     * Makes a child of {@code parent}, cancelled if the parent is, and lists it.
     *
     * @return the child, not started
     */
    static RunState child(RunState parent, String name) {
        RunState child = new RunState(name, parent);
        synchronized (parent.lock) {
            if ((parent.flags & RunState.CANCELLED) != 0) {
                child.flags |= RunState.CANCELLED; // not yet seen by any other thread: the put below publishes it
            }
            list(parent, child);
        }
        return child;
    }

    /** Adds {@code child} to {@code parent}'s live children; holding the parent's lock. */
    private static void list(RunState parent, RunState child) {
        RunStateExtras e = parent.extras();
        if (e.children == null) {
            e.children = new WeakHashMap<>();
        }
        e.children.put(child, Boolean.TRUE);
    }

    /**
     * A child starts, holding its own lock: it (re)attaches to its parent, if the parent is still
     * reachable, and learns whether the parent is cancelled. A child that is already running only
     * reads the parent's flag.
     *
     * @param started whether the child goes from not running to running
     * @return whether the parent is cancelled
     */
    static boolean starting(RunState child, RunStateExtras e, boolean started) {
        RunState parent = e.parent.get();
        boolean parentCancelled = false;
        if (parent != null) {
            if (started) {
                synchronized (parent.lock) { // lock order: the child's, then its parent's
                    list(parent, child);
                    parentCancelled = (parent.flags & RunState.CANCELLED) != 0;
                }
            } else {
                parentCancelled = (parent.flags & RunState.CANCELLED) != 0;
            }
        }
        e.liveParent = parent;
        return parentCancelled;
    }

    /** A child stops, holding its own lock: its parent forgets it, and it lets go of the parent. */
    static void stopping(RunState child, RunStateExtras e) {
        RunState parent = e.liveParent;
        if (parent != null) {
            synchronized (parent.lock) {
                RunStateExtras pe = parent.extras;
                if (pe != null && pe.children != null) {
                    pe.children.remove(child);
                }
            }
        }
        e.liveParent = null;
    }

    /** @return the children of {@code rs} that have not ended, or null for none; holding its lock */
    static RunState[] liveChildren(RunState rs) {
        RunStateExtras e = rs.extras;
        if (e == null || e.children == null || e.children.isEmpty()) {
            return null;
        }
        return e.children.keySet().toArray(new RunState[0]);
    }

    /**
     * Cancels each child, depth first (each child's cancel cancels its own children), with the
     * parent's reason.
     *
     * @return the first {@link Error} a cancel listener threw, or null
     */
    static Error cancelAll(RunState[] kids, String reason) {
        Error error = null;
        if (kids != null) {
            for (RunState kid : kids) {
                try {
                    kid.cancel(reason);
                } catch (Error e) {
                    error = RunStateListeners.merge(error, e);
                }
            }
        }
        return error;
    }

    /** @return whether the parent of the child {@code e} belongs to is cancelled, asking its poll if it has one */
    static boolean parentCancelled(RunStateExtras e) {
        RunState parent = e.liveParent;
        if (parent == null) {
            parent = e.parent.get();
        }
        return parent != null && parent.isCancelled();
    }

    /** @see RunState#parent() */
    static Optional<RunState> parent(RunState rs) {
        RunStateExtras e = rs.extras;
        if (e == null || e.parent == null) {
            return Optional.empty();
        }
        RunState live = e.liveParent;
        return Optional.ofNullable(live != null ? live : e.parent.get());
    }

    /** @see RunState#children() */
    static List<RunState> children(RunState rs) {
        RunState[] kids;
        synchronized (rs.lock) {
            kids = liveChildren(rs);
        }
        if (kids == null) {
            return List.of();
        }
        List<RunState> list = new ArrayList<>(List.of(kids));
        list.sort(Comparator.comparingLong(RunState::id));
        return List.copyOf(list);
    }
}
