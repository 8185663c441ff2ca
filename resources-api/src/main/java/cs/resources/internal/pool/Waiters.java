package cs.resources.internal.pool;

import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * The borrowers waiting at a pool's cap, first come first served, and the {@link #signal} that
 * tells the lock-free paths whether they must look at them. Everything but {@link #await} and
 * {@link #signal}'s reads is called holding the core's lock.
 *
 * <p><b>Signal.</b> One volatile read tells a fast return whether it must take the lock: bit 0
 * once the pool is closed, and twice the number of waiters. A fast return makes its slot idle
 * with a compare-and-set and then reads the signal; a waiter joins the queue, writes the signal
 * and then (the core does it) looks at the cells again: of these two pairs of volatile accesses,
 * one side always sees the other, so no object stays idle in a cell while a borrower waits.
 */
final class Waiters {

    /** In {@link #signal}: the pool is closed. */
    static final int CLOSED = 1;
    /** In {@link #signal}: one waiter. */
    static final int WAITER = 2;
    /**
     * How long a waiter yields before it parks: 100 µs on a multiprocessor, none on one processor.
     * It yields rather than spins, so that a busy-waiting borrower gives its processor to the
     * holders whose returns it waits for (on 2 cores with 4 borrowers at a cap of 2, a plain spin
     * halved the mean wait and lengthened the slowest 0.1% of waits tenfold; yielding improved
     * every percentile).
     */
    static final long YIELD_NANOS = Runtime.getRuntime().availableProcessors() > 1 ? 100_000 : 0;

    /** See the class comment. Written holding the core's lock. */
    volatile int signal;
    /** Guarded by the core's lock. */
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();

    boolean isClosed() {
        return (signal & CLOSED) != 0;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return queue.size();
    }

    /** Adds a waiter at the end of the queue, or at its head (a borrower that keeps its place). */
    void add(Waiter w, boolean head) {
        if (head) {
            queue.addFirst(w);
        } else {
            queue.addLast(w);
        }
        signal += WAITER;
    }

    /** Serves the first waiter with {@code grant}. @return false if none waits */
    boolean serveFirst(Grant grant) {
        Waiter w = queue.pollFirst();
        if (w == null) {
            return false;
        }
        signal -= WAITER;
        w.result = grant;
        LockSupport.unpark(w.thread);
        return true;
    }

    /** Takes a waiter that gave up off the queue. @return false if it was served meanwhile */
    boolean remove(Waiter w) {
        if (w.result == null && queue.remove(w)) {
            signal -= WAITER;
            return true;
        }
        return false;
    }

    /** Marks the pool closed and tells every waiter. */
    void close() {
        signal |= CLOSED;
        while (serveFirst(Grant.Marker.CLOSED)) {
            // each waiter gets ClosedException
        }
    }

    /**
     * Waits, outside any lock, until {@code w} is served, {@code deadline} ({@link System#nanoTime()})
     * passes or the thread is interrupted: with {@code yield} (a fair pool, whose returns hand
     * objects to waiters) it yields first (a hand-off at a busy cap usually comes within
     * microseconds, while an unpark costs tens of them), then parks; an unfair pool's waiter parks
     * at once, leaving the processors to the holders.
     *
     * @return whether an interrupt ended the wait (the flag is then cleared: the caller restores it)
     */
    static boolean await(Waiter w, long deadline, Object blocker, boolean yield) {
        if (yield && YIELD_NANOS > 0) {
            long yieldEnd = Math.min(w.start + YIELD_NANOS, deadline);
            while (w.result == null && System.nanoTime() - yieldEnd < 0 && !Thread.currentThread().isInterrupted()) {
                Thread.yield();
            }
        }
        while (w.result == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(blocker, left);
            if (Thread.interrupted()) {
                return true;
            }
        }
        return false;
    }
}
