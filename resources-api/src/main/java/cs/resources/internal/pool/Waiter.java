package cs.resources.internal.pool;

/**
 * A borrower waiting at a pool's cap, in the queue of {@link Waiters} (first come, first served).
 * It waits outside any lock, yielding for up to {@link Waiters#YIELD_NANOS} and then parked;
 * whoever serves it, holding the core's lock, takes it off the queue, sets {@link #result} and
 * unparks its thread.
 */
final class Waiter {

    final Thread thread = Thread.currentThread();
    /** When this wait began ({@link System#nanoTime()}): its deadline counts from here. */
    final long start = System.nanoTime();
    /** When the borrower began to wait, for the statistics: {@link #start}, unless it waited before. */
    final long since;
    /**
     * Null while waiting; then a {@link Slot} leased to the waiter, {@link Grant.Marker#CREATE} or
     * {@link Grant.Marker#CLOSED}. Set once, holding the core's lock, before the unpark; read by
     * the waiter without the lock.
     */
    volatile Grant result;

    Waiter() {
        this.since = start;
    }

    /** A borrower that waited before (it was handed an object that turned out expired) and waits again. */
    Waiter(long since) {
        this.since = since;
    }
}
