package cs.resources.internal.pool;

import cs.resources.ClosedException;
import cs.resources.Pool;
import cs.resources.PoolTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The shared part of a pool, behind one lock: the cap and the count against it, and the three
 * parts it coordinates: {@link Idle} (which structure holds each object), {@link Waiters} (the
 * queue at the cap) and {@link Counters} (the statistics).
 *
 * <p>The lock is a {@link ReentrantLock}, held only for bookkeeping: never while user code runs
 * (factory, validator, disposer, expiration predicate, clock: {@link PoolEngine} calls them all
 * outside it), never while a borrower waits (waiters park outside it), and never by the fast paths,
 * which touch only a cell and a slot.
 *
 * <p><b>The cap is exact.</b> {@link #live} counts the registered objects plus the creations under
 * way, each reserved here before its factory call (made outside the lock). An object let go of
 * ({@code DEAD}) stays registered, and counted, until its disposer has returned and
 * {@link #retire} unregisters it, whoever disposes of it; only then is its room free. A borrower
 * that finds no idle object and no room under the cap joins the waiters; every change that frees
 * an object or room serves them in order.
 *
 * @param <T> the type of the pooled objects
 */
final class Core<T> {

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the pool is closed and every object is gone. */
    private final Condition drained = lock.newCondition();
    /** What messages call the pool, e.g. {@code Pool[digests]}. */
    private final String pool;
    /** The pool's name, for events. */
    private final String name;
    final Idle<T> idle;
    final Waiters waiters = new Waiters();
    private final Counters counters = new Counters();
    /** Waiters are served in arrival order, and newcomers queue behind them; else newcomers barge. */
    private final boolean fair;
    /** Whether slots keep their times ({@link TimedSlot}): the pool expires objects. */
    private final boolean timed;

    // Guarded by lock; the volatile ones are also read without it.
    /** The cap: 0 for none. */
    private volatile int maxTotal;
    /** The idle bound as set (by the builder or setMaxSize); -1 if never set: it follows the cap. */
    private int maxSizeSet;
    /** Registered objects plus creations under way. */
    private int live;
    private boolean closed;

    /**
     * @param maxSize the idle bound given (0: none), or -1 if none was given (it follows the cap,
     *     {@link Pool#DEFAULT_MAX_SIZE} without one)
     */
    Core(Cells cells, String name, int maxSize, int maxTotal, boolean fair, boolean timed) {
        this.timed = timed;
        this.name = name;
        this.pool = "Pool[" + name + "]";
        this.idle = new Idle<>(cells);
        this.fair = fair;
        this.maxTotal = maxTotal;
        this.maxSizeSet = maxSize;
        idle.bound(idleBound(maxSize, maxTotal), maxTotal);
    }

    private static int idleBound(int maxSizeSet, int maxTotal) {
        return maxSizeSet >= 0 ? maxSizeSet : maxTotal > 0 ? maxTotal : Pool.DEFAULT_MAX_SIZE;
    }

    boolean isClosed() {
        return waiters.isClosed();
    }

    int maxTotal() {
        return maxTotal;
    }

    int maxSize() {
        lock.lock();
        try {
            return idle.maxIdle();
        } finally {
            lock.unlock();
        }
    }

    boolean fair() {
        return fair;
    }

    private boolean roomLocked() {
        return maxTotal == 0 || live < maxTotal;
    }

    // ------------------------------------------------------------------------------- leasing

    /**
     * The shared way to a lease, for a borrower whose cell had nothing for it: an idle object (its
     * cell's, the stack's top, another cell's), else room under the cap, else a wait. With
     * {@code fair}, a newcomer finds nothing while others wait: it queues behind them.
     *
     * <p>A borrower that found the object it was given unfit (expired, or invalid on lease) has
     * disposed of it and passes it as {@code unfit}: it is retired here, and in the same hold of
     * the lock the borrower takes an idle object or the room it freed, ahead of the waiters; if
     * neither is left (the cap was lowered meanwhile), it waits again at the head of the queue. So
     * a waiter handed an expired object keeps its place.
     *
     * @param key the borrower's key ({@link Cells#key()})
     * @param timeoutNanos how long to wait at the cap; 0 or less: do not wait
     * @param tryOnly answer {@link Grant.Marker#NONE} at the cap instead of waiting or throwing
     * @param op the operation, for messages
     * @param unfit the slot the borrower found unfit, disposed of already; null for none
     * @param unfitExpired whether {@code unfit} expired (else it was invalid)
     * @param retry the borrower was woken ({@link Grant.Marker#RETRY}) and looks again: it keeps its
     *     place at the head of the queue
     * @param waited in: when the borrower began to wait ({@link System#nanoTime()}), if it did
     *     before; else 0. Out: set so when it waits here
     * @return a slot leased to the caller ({@code CELL_LEASED} or {@code LEASED}),
     *     {@link Grant.Marker#CREATE} (room under the cap is reserved: make an object and
     *     {@link #registerNew}, or {@link #creationFailed}) or {@link Grant.Marker#NONE}
     * @throws ClosedException if the pool is closed, also while waiting
     * @throws PoolTimeoutException at the cap, after {@code timeoutNanos} or on interrupt
     */
    Grant acquire(long key, long timeoutNanos, boolean tryOnly, String op, Slot<T> unfit, boolean unfitExpired,
            boolean retry, long[] waited) {
        Waiter w;
        Object event;
        lock.lock();
        try {
            boolean head = unfit != null || retry;
            if (unfit != null) {
                retireLocked(unfit, false);
                if (unfitExpired) {
                    counters.expired++;
                }
            }
            if (closed) {
                throw closedException(op);
            }
            if (head || !fair || waiters.isEmpty()) {
                Grant g = idle.take(key);
                if (g == null && roomLocked()) {
                    live++;
                    g = Grant.Marker.CREATE;
                }
                if (g != null) {
                    if (head) {
                        serveWaitersLocked();
                    }
                    return g;
                }
            }
            if (tryOnly) {
                if (head) {
                    serveWaitersLocked();
                }
                return Grant.Marker.NONE;
            }
            if (timeoutNanos <= 0) {
                counters.timeouts++;
                throw timeoutLocked(op, 0, false);
            }
            w = waited[0] != 0 ? new Waiter(waited[0]) : new Waiter();
            waiters.add(w, head);
            if (waited[0] == 0) {
                counters.waits++;
                waited[0] = w.since;
            }
            // A fast return that read the signal before the add left its object in its cell.
            serveWaitersLocked();
        } finally {
            lock.unlock();
        }
        event = Jfr.beginWait();
        return await(w, timeoutNanos, op, event);
    }

    private Grant await(Waiter w, long timeoutNanos, String op, Object event) {
        boolean interrupted = Waiters.await(w, w.start + timeoutNanos, this, fair);
        Grant result;
        PoolTimeoutException failure = null;
        lock.lock();
        try {
            if (waiters.remove(w)) {
                counters.timeouts++;
                failure = timeoutLocked(op, System.nanoTime() - w.since, interrupted);
            }
            result = w.result;
            if (result != Grant.Marker.RETRY) {
                counters.waitEnded(System.nanoTime() - w.since);
            }
        } finally {
            lock.unlock();
        }
        Jfr.endWait(event, name, failure != null);
        if (interrupted) {
            Thread.currentThread().interrupt(); // kept set, also when an object came at the same time
        }
        if (failure != null) {
            throw failure;
        }
        if (result == Grant.Marker.CLOSED) {
            throw closedException(op);
        }
        return result;
    }

    /**
     * A borrower woken ({@link Grant.Marker#RETRY}) at its deadline found nothing on its last look.
     *
     * @param since when it began to wait
     * @return the exception to throw
     */
    PoolTimeoutException timedOut(String op, long since) {
        lock.lock();
        try {
            long waited = since == 0 ? 0 : System.nanoTime() - since;
            counters.timeouts++;
            if (since != 0) {
                counters.waitEnded(waited);
            }
            return timeoutLocked(op, waited, false);
        } finally {
            lock.unlock();
        }
    }

    /** Holding the lock: the message names the pool, the cap, the objects in use and waiting, the wait. */
    private PoolTimeoutException timeoutLocked(String op, long waitedNanos, boolean interrupted) {
        String how = interrupted ? " was interrupted after waiting " : " found no object in ";
        InterruptedException cause = interrupted
                ? new InterruptedException(op + " on " + pool + " was interrupted while waiting") : null;
        return new PoolTimeoutException(op + " on " + pool + how + Duration.ofNanos(waitedNanos) + ": maxTotal "
                + maxTotal + ", " + idle.inUseCount() + " in use, " + waiters.size() + " waiting", cause);
    }

    private ClosedException closedException(String op) {
        return new ClosedException(op + " on " + pool + ": the pool is closed");
    }

    /**
     * Registers an object just made for a borrower (whose room under the cap was reserved) and
     * leases it to that borrower, in its cell if the cell is free. Also after {@code close()}: a
     * borrower that got past the check before the close gets its object (disposed of when returned).
     */
    Slot<T> registerNew(T object, long createdAt, long key) {
        Slot<T> s = Slot.of(object, createdAt, Slot.word(1, Slot.LEASED), timed);
        lock.lock();
        try {
            registerLocked(s);
            counters.createdForLease++;
            idle.adopt(s, key, idle.cellOf(key), 1);
        } finally {
            lock.unlock();
        }
        return s;
    }

    private void registerLocked(Slot<T> s) {
        try {
            idle.register(s, pool);
        } catch (IllegalStateException full) {
            live--;
            serveWaitersLocked();
            throw full;
        }
        counters.created++;
    }

    /** A factory failed (or returned null) after {@link #acquire} reserved room under the cap. */
    void creationFailed() {
        lock.lock();
        try {
            live--;
            serveWaitersLocked();
            signalDrainedLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Retires a slot whose object was disposed of (it is {@code DEAD}, or set so here): it is
     * unregistered and its room under the cap is free. A slot retired already is left alone.
     *
     * @param expiredToo count it in {@link Pool.Stats#expired()} as well
     */
    void retire(Slot<T> s, boolean expiredToo) {
        lock.lock();
        try {
            if (retireLocked(s, true) && expiredToo) {
                counters.expired++;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Holding the lock: see {@link #retire}; {@code serve}: serve the waiters with the room. */
    private boolean retireLocked(Slot<T> s, boolean serve) {
        s.setState(Slot.word(Slot.stamp(s.state()), Slot.DEAD));
        if (!idle.unregister(s)) {
            return false; // retired already (a return to a closed pool, then the closer's retire)
        }
        counters.retiredLeases += s.leases();
        live--;
        counters.dropped++;
        if (serve && !closed) {
            serveWaitersLocked();
        }
        signalDrainedLocked();
        return true;
    }

    /**
     * Holding the lock: hands idle objects and room under the cap to the waiters, first come first
     * served; an unfair pool only wakes its first waiter when something is free ({@link Grant.Marker#RETRY}),
     * and whoever comes first takes it.
     */
    private void serveWaitersLocked() {
        if (!fair) {
            if (!waiters.isEmpty() && (roomLocked() || idle.idleCount() > 0)) {
                waiters.serveFirst(Grant.Marker.RETRY);
            }
            return;
        }
        while (!waiters.isEmpty()) {
            Grant give = idle.take(-1);
            if (give == null) {
                if (!roomLocked()) {
                    return;
                }
                live++;
                give = Grant.Marker.CREATE;
            }
            waiters.serveFirst(give);
        }
    }

    // ----------------------------------------------------------------------------- returning

    /**
     * Takes back a slot whose lease was closed through the shared path (its state is
     * {@code RETURNING}): dropped if the pool is closed, the object was evicted, or the objects
     * exceed a lowered cap; else to the first waiter, else idle ({@link Idle#put}), else, at the
     * idle bound, dropped.
     *
     * @return the slot to dispose of (and then {@link #retire}), if it was dropped; else null
     */
    Slot<T> putBack(Slot<T> s, long stamp, long key) {
        lock.lock();
        try {
            if (closed || s.doomed || (maxTotal != 0 && live > maxTotal && live - idle.deadCount() > maxTotal)) {
                s.setState(Slot.word(stamp, Slot.DEAD));
                return s;
            }
            if (fair && !waiters.isEmpty()) {
                s.setState(Slot.word(stamp + 1, Slot.LEASED));
                waiters.serveFirst(s);
                return null;
            }
            if (!idle.put(s, stamp, key)) {
                s.setState(Slot.word(stamp, Slot.DEAD)); // the caller disposes, then retires it
                return s;
            }
            if (!fair) {
                serveWaitersLocked();
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * After a fast return that found the signal set: the pool is closed (the slot, now idle in its
     * cell, is let go of unless someone else already did) or borrowers wait (they are served).
     *
     * @return the slot to dispose of (and then retire), or null
     */
    Slot<T> afterFastReturn(Slot<T> s, long stamp) {
        lock.lock();
        try {
            if (closed) {
                if (s.cas(Slot.word(stamp, Slot.CELL), Slot.word(stamp, Slot.DEAD))) {
                    idle.detach(s);
                    return s;
                }
                return null;
            }
            serveWaitersLocked();
            return null;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------- close

    /**
     * Closes: marks the pool closed, wakes the waiters (they get {@link ClosedException}) and lets
     * go of every idle object; objects leased now are let go of when returned.
     *
     * @return the idle objects to dispose of (then retire); null if it was already closed
     */
    List<Slot<T>> close() {
        List<Slot<T>> gone = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return null;
            }
            closed = true;
            waiters.close();
            idle.closeAll(gone);
            signalDrainedLocked();
        } finally {
            lock.unlock();
        }
        return gone;
    }

    private void signalDrainedLocked() {
        if (closed && live == 0) {
            drained.signalAll();
        }
    }

    /**
     * @return whether, within {@code nanos}, the pool was closed and every object came back and was
     *     disposed of
     * @throws IllegalStateException if the pool is not closed
     */
    boolean awaitClosed(long nanos, String op) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            if (!closed) {
                throw new IllegalStateException(op + " on " + pool + ": the pool is not closed; call close() first");
            }
            while (live > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = drained.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------ operator controls

    private void checkOpenLocked(String op) {
        if (closed) {
            throw closedException(op);
        }
    }

    /**
     * Sets the cap. Growing serves the waiters; shrinking revokes no lease: idle objects above the
     * new bounds are let go of now, objects in use as they come back, until the pool is within them.
     *
     * @return the idle objects let go of: the caller disposes of them, then retires them
     * @throws IllegalArgumentException if a set idle bound is above the new cap
     * @throws ClosedException if the pool is closed
     */
    List<Slot<T>> setMaxTotal(int newCap, String op) {
        List<Slot<T>> gone = new ArrayList<>();
        lock.lock();
        try {
            checkOpenLocked(op);
            if (newCap > 0 && maxSizeSet > newCap) {
                throw new IllegalArgumentException(op + " on " + pool + ": the cap must not be below maxSize "
                        + maxSizeSet + "; lower maxSize first");
            }
            maxTotal = newCap;
            idle.bound(idleBound(maxSizeSet, newCap), newCap);
            shrinkLocked(gone);
            serveWaitersLocked();
        } finally {
            lock.unlock();
        }
        return gone;
    }

    /**
     * Sets the idle bound (0: none), as {@link #setMaxTotal} does the cap.
     *
     * @throws IllegalArgumentException if it is above a cap
     */
    List<Slot<T>> setMaxSize(int newBound, String op) {
        List<Slot<T>> gone = new ArrayList<>();
        lock.lock();
        try {
            checkOpenLocked(op);
            if (maxTotal > 0 && newBound > maxTotal) {
                throw new IllegalArgumentException(op + " on " + pool + ": maxSize must not be above maxTotal "
                        + maxTotal);
            }
            maxSizeSet = newBound;
            idle.bound(newBound, maxTotal);
            shrinkLocked(gone);
            serveWaitersLocked();
        } finally {
            lock.unlock();
        }
        return gone;
    }

    /** Holding the lock: lets go of idle objects above the bounds; returns come through here while the pool is over them. */
    private void shrinkLocked(List<Slot<T>> gone) {
        // Objects let go of (DEAD, being disposed of) still count against the cap until retired,
        // but they are going: what is over the bounds is judged without them.
        int bound = idle.maxIdle();
        int keep = bound == 0 ? Integer.MAX_VALUE : bound;
        if (maxTotal > 0) {
            keep = Math.min(keep, Math.max(0, idle.idleCount() - (live - idle.deadCount() - maxTotal)));
        }
        idle.drainIdle(keep, gone);
        if ((maxTotal > 0 && live - idle.deadCount() > maxTotal) || idle.overBound()) {
            // The objects out return through the core, which drops them while the pool is over.
            idle.releaseLeasedCells();
        }
    }

    /**
     * Lets go of every idle object now and marks every object in use to be let go of when it
     * comes back.
     *
     * @return the idle objects let go of: the caller disposes of them, then retires them
     */
    List<Slot<T>> evictAll(String op) {
        List<Slot<T>> gone = new ArrayList<>();
        lock.lock();
        try {
            checkOpenLocked(op);
            for (int i = 0, n = idle.registered(); i < n; i++) {
                Slot<T> s = idle.registered(i);
                if (Slot.isOut(s.state())) {
                    s.doomed = true;
                }
            }
            idle.releaseLeasedCells();
            idle.drainIdle(0, gone);
        } finally {
            lock.unlock();
        }
        return gone;
    }

    // ------------------------------------------------------------------- background upkeep

    /** @return the idle slots now, each with the state word it had (for the sweep) */
    List<Object[]> idleSnapshot() {
        lock.lock();
        try {
            return idle.snapshot();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Lets go of an idle slot found expired, if it is still idle with the state it had when looked
     * at. It still counts against the cap until the caller has disposed of it and retired it.
     *
     * @return whether it was let go of
     */
    boolean evict(Slot<T> s, long state) {
        lock.lock();
        try {
            return !closed && idle.evict(s, state);
        } finally {
            lock.unlock();
        }
    }

    /** @return whether room under the cap was reserved for one prefilled object */
    boolean reserveForPrefill() {
        lock.lock();
        try {
            if (closed || !roomLocked()) {
                return false;
            }
            live++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers a prefilled object: onto the stack (then to the first waiter), else (the idle
     * objects are at the bound, or the pool closed meanwhile) let go of.
     *
     * @return the slot to dispose of (and then retire), or null
     */
    Slot<T> addPrefilled(T object, long createdAt) {
        Slot<T> s = Slot.of(object, createdAt, Slot.word(0, Slot.IDLE), timed);
        lock.lock();
        try {
            registerLocked(s);
            if (closed || !idle.pushNew(s)) {
                s.setState(Slot.word(0, Slot.DEAD));
                return s;
            }
            serveWaitersLocked();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** @return the leases out now that a long-lease watch looks at */
    List<PooledLease<T>> watchedLeases() {
        List<PooledLease<T>> out = new ArrayList<>();
        lock.lock();
        try {
            for (int i = 0, n = idle.registered(); i < n; i++) {
                Slot<T> s = idle.registered(i);
                PooledLease<T> l = s.watched;
                if (l != null && l.isOpen()) {
                    out.add(l);
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    void countLongLease() {
        lock.lock();
        try {
            counters.longLeases++;
        } finally {
            lock.unlock();
        }
    }

    void recordHolds() {
        lock.lock();
        try {
            counters.recordHolds();
        } finally {
            lock.unlock();
        }
    }

    /** @return where closers record hold times; null when they are not recorded */
    org.HdrHistogram.Recorder holdRecorder() {
        return counters.holdRecorder();
    }

    // ------------------------------------------------------------------------------- stats

    /** @return the counters; exact when no lease is taken or returned meanwhile */
    Pool.Stats stats() {
        lock.lock();
        try {
            return counters.stats(idle.idleCount(), idle.inUseCount(), idle.leases(), waiters.size());
        } finally {
            lock.unlock();
        }
    }

    /** @return e.g. {@code maxTotal 8, 8 in use, 0 idle, 3 waiting}, for reports */
    String describe() {
        lock.lock();
        try {
            return "maxTotal " + (maxTotal == 0 ? "0 (no cap)" : Integer.toString(maxTotal)) + ", " + idle.inUseCount()
                    + " in use, " + idle.idleCount() + " idle, " + waiters.size() + " waiting";
        } finally {
            lock.unlock();
        }
    }

    /** For {@link TimeUnit}-free callers: nanoseconds of a duration, saturated. */
    static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
