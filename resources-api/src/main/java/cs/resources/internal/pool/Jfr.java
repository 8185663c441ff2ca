package cs.resources.internal.pool;

/**
 * The pool's JFR events, {@code cs.resources.PoolWait} and {@code cs.resources.LongLease}, when
 * the {@code jdk.jfr} module is there: the bundle imports its package optionally (Karaf's list of
 * system packages, for one, may leave it out), and a runtime made without the module lacks it.
 * Nothing here names a {@code jdk.jfr} type: the event classes, which do, load only once
 * {@link #AVAILABLE} said they can.
 */
final class Jfr {

    /** Whether {@code jdk.jfr} can be loaded from here. */
    static final boolean AVAILABLE = available();

    private Jfr() {
    }

    private static boolean available() {
        try {
            Class.forName("jdk.jfr.Event", false, Jfr.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** @return a started {@code PoolWait} event, or null without JFR */
    static Object beginWait() {
        return AVAILABLE ? PoolWaitEvent.start() : null;
    }

    /** Ends and commits a {@code PoolWait} event from {@link #beginWait()}. */
    static void endWait(Object event, String pool, boolean timedOut) {
        if (event != null) {
            PoolWaitEvent.finish(event, pool, timedOut);
        }
    }

    /** Commits a {@code LongLease} event. */
    static void longLease(String pool, String thread, long heldNanos) {
        if (AVAILABLE) {
            LongLeaseEvent.emit(pool, thread, heldNanos);
        }
    }
}
