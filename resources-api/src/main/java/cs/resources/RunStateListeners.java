package cs.resources;

import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The listeners of one {@link RunState}: its start, end and cancel listeners, each kind in a
 * copy-on-write list made on the first registration of that kind. The RunState makes this object
 * on its first registration, so a RunState nobody listens to carries one null reference for it.
 *
 * <p>Calling the listeners takes no lock: the RunState calls {@link #fire} after its change, with
 * its own monitor released. A listener that throws is logged as a warning and the others still
 * run; an {@link Error} is handed back (the first one, later ones suppressed in it) for the
 * RunState to throw once everything else is done.
 */
final class RunStateListeners {

    /** The kinds: start, end and cancel listeners. */
    static final int START = 0;
    static final int END = 1;
    static final int CANCEL = 2;

    private static final System.Logger LOG = System.getLogger(RunState.class.getName());

    /** By kind; each made on the first registration of its kind, holding this object's monitor. */
    private volatile CopyOnWriteArrayList<Listener> start;
    private volatile CopyOnWriteArrayList<Listener> end;
    private volatile CopyOnWriteArrayList<Listener> cancel;

    /** One registration: removal is by identity, so a consumer registered twice is two entries. */
    private static final class Listener {
        final Consumer<? super RunState> consumer;

        Listener(Consumer<? super RunState> consumer) {
            this.consumer = consumer;
        }
    }

    /**
     * @param kind {@link #START}, {@link #END} or {@link #CANCEL}
     * @param listener the consumer to call
     * @return removes that one registration
     * @throws NullPointerException if {@code listener} is null (nothing registered)
     */
    Registration add(int kind, Consumer<? super RunState> listener) {
        Listener l = new Listener(Objects.requireNonNull(listener, "listener"));
        CopyOnWriteArrayList<Listener> list;
        synchronized (this) {
            list = switch (kind) {
                case START -> start != null ? start : (start = new CopyOnWriteArrayList<>());
                case END -> end != null ? end : (end = new CopyOnWriteArrayList<>());
                default -> cancel != null ? cancel : (cancel = new CopyOnWriteArrayList<>());
            };
        }
        list.add(l);
        return () -> list.remove(l);
    }

    /**
     * Calls the listeners of one kind with {@code runState}, in registration order, in this
     * thread.
     *
     * @return the first {@link Error} one threw (later ones suppressed in it), or null
     */
    Error fire(int kind, RunState runState) {
        CopyOnWriteArrayList<Listener> list = switch (kind) {
            case START -> start;
            case END -> end;
            default -> cancel;
        };
        if (list == null || list.isEmpty()) {
            return null;
        }
        Error error = null;
        for (Listener l : list) {
            try {
                l.consumer.accept(runState);
            } catch (Error e) {
                error = merge(error, e);
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "listener " + describe(l.consumer) + " of " + runState + " threw", t);
            }
        }
        return error;
    }

    /** @return {@code first}, with {@code next} suppressed in it; {@code next} if there is no first */
    static Error merge(Error first, Error next) {
        if (first == null) {
            return next;
        }
        if (next != null && next != first) {
            first.addSuppressed(next);
        }
        return first;
    }

    /** Throws {@code error} unless it is null. */
    static void rethrow(Error error) {
        if (error != null) {
            throw error;
        }
    }

    /** @return the listener's toString, or its class name if that throws (the warning must get out) */
    private static String describe(Object listener) {
        try {
            return String.valueOf(listener);
        } catch (RuntimeException e) {
            return listener.getClass().getName();
        }
    }
}
