package cs.resources;

/**
 * A borrower waiting at a {@link Pool}'s cap, in {@link PoolCore}'s queue of waiters (first come,
 * first served). The waiter waits outside any lock, yielding for up to
 * {@link PoolCore#YIELD_NANOS} and then parked; whoever serves it, holding {@link PoolCore}'s lock,
 * takes it off the queue, sets {@link #result} and unparks its thread.
 *
 * @param <T> the type of the pooled objects
 */
final class PoolWaiter<T> {

    /** In {@link #result}: the pool was closed. */
    static final Object CLOSED = new Object();
    /** In {@link #result}: a place under the cap is reserved for the waiter: it makes a new object. */
    static final Object CREATE = new Object();

    final Thread thread = Thread.currentThread();
    /** When this wait began ({@link System#nanoTime()}): its deadline counts from here. */
    final long start = System.nanoTime();
    /** When the borrower began to wait, for the statistics: {@link #start}, unless it waited before. */
    final long since;
    /**
     * Null while waiting; then a {@link PoolSlot} leased to the waiter, {@link #CREATE} or
     * {@link #CLOSED}. Set once, holding {@link PoolCore}'s lock, before the unpark; read by the
     * waiter without the lock.
     */
    volatile Object result;

    PoolWaiter() {
        this.since = start;
    }

    /** A borrower that waited before (it was handed an expired object) and waits again. */
    PoolWaiter(long since) {
        this.since = since;
    }
}
