package cs.resources;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The shared part of a {@link Pool}, behind one lock: the stack of idle objects that no cell holds,
 * the registry of every object, the count against the cap, the places under the idle bound, the
 * queue of waiters and the counters of {@link Pool.Stats}.
 *
 * <p>The lock is a {@link ReentrantLock}, held only for bookkeeping: never while user code runs
 * (factory, validator, disposer, expiration predicate, clock), never while a borrower waits
 * (waiters park outside it, see {@link PoolWaiter}), and never by the fast paths of
 * {@link PoolEngine}, which touch only a cell and a slot. It serialises everything that changes
 * which structure holds a slot: the cells ({@link PoolCells#set}), the stack, the registry.
 *
 * <p><b>Places under the idle bound.</b> {@link #places} counts the slots on the stack plus the
 * cells that hold a slot, idle or leased from them: a cell keeps its slot's place while it is
 * leased, so that the lease's return (one compare-and-set, no lock) can never push the idle
 * objects over {@code maxSize}. The idle objects are those places minus the cells whose slot is
 * out; when a return needs a place and all are taken, {@link #takePlace()} takes one back from a
 * cell whose slot is leased (its return then comes here). So the bound holds at every instant and
 * a returned object is dropped only when the idle objects really are at the bound.
 *
 * <p><b>The cap.</b> {@link #live} counts the registered objects plus the creations under way,
 * each reserved here before its factory call (made outside the lock), so {@code maxTotal} holds
 * exactly. A borrower that finds no idle object and no room under the cap joins {@link #waiters};
 * every change that frees an object or a place under the cap calls {@link #serveWaitersLocked()}.
 *
 * <p><b>Signal.</b> {@link #signal} tells the lock-free paths, in one volatile read, whether they
 * must come here: bit 0 once the pool is closed, and twice the number of waiters. A fast return
 * makes its slot idle with a compare-and-set and then reads the signal; a waiter joins the queue,
 * writes the signal and then looks at the cells again: of two such volatile accesses on each side,
 * one side always sees the other, so no object stays idle in a cell while a borrower waits.
 *
 * @param <T> the type of the pooled objects
 */
final class PoolCore<T> {

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

    private final ReentrantLock lock = new ReentrantLock();
    private final PoolCells cells;
    /** What messages call the pool, e.g. {@code Pool[digests]}. */
    private final String pool;
    /** The idle bound in effect: 0 for none. */
    private final int maxIdle;
    /** The cap: 0 for none. */
    private final int maxTotal;
    /** Whether the idle bound can be reached (it is set and below the cap): then places count. */
    private final boolean boundedIdle;

    /** See the class comment. Written holding the lock. */
    volatile int signal;

    // All fields below: guarded by lock.
    @SuppressWarnings("unchecked")
    private PoolSlot<T>[] stack = (PoolSlot<T>[]) new PoolSlot<?>[8];
    private int depth;
    @SuppressWarnings("unchecked")
    private PoolSlot<T>[] registry = (PoolSlot<T>[]) new PoolSlot<?>[16];
    private int registered;
    private int live;
    private int places;
    private boolean closed;
    private final ArrayDeque<PoolWaiter<T>> waiters = new ArrayDeque<>();
    private long created;
    /** Objects created for a borrower (not by prefill): their first lease is not a reuse. */
    private long createdForLease;
    private long dropped;
    private long expired;
    private long discarded;
    /** Leases of the objects retired so far. */
    private long retiredLeases;
    private long waits;
    private long timeouts;
    private long waitsEnded;
    private long waitNanos;
    private long longestWaitNanos;

    PoolCore(PoolCells cells, String pool, int maxIdle, int maxTotal) {
        this.cells = cells;
        this.pool = pool;
        this.maxIdle = maxIdle;
        this.maxTotal = maxTotal;
        this.boundedIdle = maxIdle > 0 && (maxTotal == 0 || maxIdle < maxTotal);
    }

    boolean isClosed() {
        return (signal & CLOSED) != 0;
    }

    // ------------------------------------------------------------------------------- leasing

    /**
     * The shared way to a lease, for a borrower whose cell had nothing for it: an idle object (its
     * cell's, the stack's top, another cell's), else a place under the cap, else a wait.
     *
     * @param key the borrower's key ({@link PoolCells#key()})
     * @param timeoutNanos how long to wait at the cap; 0 or less: do not wait
     * @param tryOnly return null at the cap instead of waiting or throwing
     * @param op the operation, for messages
     * @return a slot leased to the caller ({@code CELL_LEASED} or {@code LEASED}),
     *     {@link PoolWaiter#CREATE} (a place under the cap is reserved: make an object and
     *     {@link #registerNew}, or {@link #creationFailed}), null ({@code tryOnly}, at the cap), or,
     *     after a wait, the {@link PoolWaiter} whose {@link PoolWaiter#result} is one of the first two
     * @throws ClosedException if the pool is closed, also while waiting
     * @throws PoolTimeoutException at the cap, after {@code timeoutNanos} or on interrupt
     */
    Object acquire(long key, long timeoutNanos, boolean tryOnly, String op) {
        return acquire(key, timeoutNanos, tryOnly, op, null, 0);
    }

    /**
     * {@link #acquire(long, long, boolean, String)} for a borrower that found the object it was
     * given expired and has disposed of it: the slot is retired (counted as expired), and in the
     * same hold of the lock the borrower takes an idle object or the room it freed, ahead of the
     * waiters; if neither is left (the cap was lowered meanwhile), it waits again at the head of
     * the queue. So a waiter handed an expired object keeps its place.
     *
     * @param expired the slot found expired, disposed of already; null for a plain acquire
     * @param waitingSince when the borrower began to wait ({@link System#nanoTime()}), if it did; else 0
     */
    Object acquire(long key, long timeoutNanos, boolean tryOnly, String op, PoolSlot<T> expired, long waitingSince) {
        // After a wait, the waiter itself is returned: its result is what it got.
        PoolWaiter<T> w;
        lock.lock();
        try {
            boolean head = expired != null;
            if (head) {
                retireLocked(expired, false);
                this.expired++;
            }
            if (closed) {
                throw closedException(op);
            }
            if (head || waiters.isEmpty()) {
                PoolSlot<T> s = takeIdleLocked(key);
                if (s == null && (maxTotal == 0 || live < maxTotal)) {
                    live++;
                    if (head) {
                        serveWaitersLocked();
                    }
                    return PoolWaiter.CREATE;
                }
                if (s != null) {
                    if (head) {
                        serveWaitersLocked();
                    }
                    return s;
                }
            }
            if (tryOnly) {
                return null;
            }
            if (timeoutNanos <= 0) {
                timeouts++;
                throw timeoutLocked(op, 0, null);
            }
            w = waitingSince != 0 ? new PoolWaiter<>(waitingSince) : new PoolWaiter<>();
            if (head) {
                waiters.addFirst(w);
            } else {
                waiters.addLast(w);
            }
            if (waitingSince == 0) {
                waits++;
            }
            signal += WAITER;
            // A fast return that read the signal before this write left its object in its cell.
            serveWaitersLocked();
        } finally {
            lock.unlock();
        }
        return await(w, timeoutNanos, op);
    }

    private Object await(PoolWaiter<T> w, long timeoutNanos, String op) {
        long deadline = w.start + timeoutNanos;
        InterruptedException interrupt = null;
        // A hand-off usually comes within microseconds at a busy cap; an unpark costs tens of them.
        if (YIELD_NANOS > 0) {
            long yieldEnd = w.start + Math.min(YIELD_NANOS, timeoutNanos);
            while (w.result == null && System.nanoTime() - yieldEnd < 0 && !Thread.currentThread().isInterrupted()) {
                Thread.yield();
            }
        }
        while (w.result == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            LockSupport.parkNanos(this, left);
            if (Thread.interrupted()) {
                interrupt = new InterruptedException(op + " on " + pool + " was interrupted while waiting");
                break;
            }
        }
        Object result;
        PoolTimeoutException failure = null;
        lock.lock();
        try {
            result = w.result;
            long waited = System.nanoTime() - w.since;
            waitsEnded++;
            waitNanos += waited;
            longestWaitNanos = Math.max(longestWaitNanos, waited);
            if (result == null) {
                waiters.remove(w);
                signal -= WAITER;
                timeouts++;
                failure = timeoutLocked(op, waited, interrupt);
            }
        } finally {
            lock.unlock();
        }
        if (interrupt != null) {
            Thread.currentThread().interrupt(); // kept set, also when an object came at the same time
        }
        if (failure != null) {
            throw failure;
        }
        if (result == PoolWaiter.CLOSED) {
            throw closedException(op);
        }
        return w;
    }

    /** Holding the lock: the message names the pool, the cap, the objects in use and waiting, the wait. */
    private PoolTimeoutException timeoutLocked(String op, long waitedNanos, InterruptedException interrupt) {
        String how = interrupt != null ? " was interrupted after waiting " : " found no object in ";
        return new PoolTimeoutException(op + " on " + pool + how + Duration.ofNanos(waitedNanos) + ": maxTotal "
                + maxTotal + ", " + inUseLocked() + " in use, " + waiters.size() + " waiting", interrupt);
    }

    private ClosedException closedException(String op) {
        return new ClosedException(op + " on " + pool + ": the pool is closed");
    }

    /**
     * Holding the lock: the cell a borrower's slots go to: its primary if that is empty or holds
     * one of its slots, else its secondary on the same terms; -1 if both hold other borrowers'.
     */
    private int cellOfLocked(long key) {
        int p = cells.primary(key);
        PoolSlot<T> c = cells.get(p);
        if (c == null || c.owner() == key) {
            return p;
        }
        int q = cells.secondary(key);
        c = cells.get(q);
        return c == null || c.owner() == key ? q : -1;
    }

    /**
     * Holding the lock: takes an idle object for the borrower with {@code key} (a waiter: -1,
     * whose lease goes through here). Order: the borrower's cell (which may have become idle since
     * it looked), the top of the stack, the other cells in order from its primary on. A slot taken
     * from the stack or another cell moves into the borrower's cell if that is empty, so that its
     * return takes the fast path.
     *
     * @return a slot now {@code CELL_LEASED} or {@code LEASED} with a fresh stamp; null if none is idle
     */
    private PoolSlot<T> takeIdleLocked(long key) {
        int home = key >= 0 ? cellOfLocked(key) : -1;
        if (home >= 0) {
            PoolSlot<T> c = cells.get(home);
            if (c != null) {
                long st = c.state();
                if (PoolSlot.kind(st) == PoolSlot.CELL && c.cas(st, PoolSlot.word(PoolSlot.stamp(st) + 1, PoolSlot.CELL_LEASED))) {
                    return c;
                }
            }
        }
        if (depth > 0) {
            PoolSlot<T> s = stack[--depth];
            stack[depth] = null;
            places--;
            long stamp = PoolSlot.stamp(s.state()) + 1;
            s.setState(PoolSlot.word(stamp, PoolSlot.LEASED));
            adoptLocked(s, key, home, stamp);
            return s;
        }
        int first = key >= 0 ? cells.primary(key) : 0;
        for (int i = 0, j = first, n = cells.count(); i < n; i++, j = cells.next(j)) {
            if (j == home) {
                continue;
            }
            PoolSlot<T> c = cells.get(j);
            if (c == null) {
                continue;
            }
            long st = c.state();
            if (PoolSlot.kind(st) == PoolSlot.CELL) {
                long stamp = PoolSlot.stamp(st) + 1;
                if (c.cas(st, PoolSlot.word(stamp, PoolSlot.LEASED))) {
                    detachLocked(c);
                    adoptLocked(c, key, home >= 0 || key < 0 ? home : cellOfLocked(key), stamp);
                    return c;
                }
            }
        }
        return null;
    }

    /**
     * Holding the lock: a {@code LEASED} slot of the borrower's moves into its cell {@code home}
     * if that is free (and a place under the idle bound is).
     */
    private void adoptLocked(PoolSlot<T> s, long key, int home, long stamp) {
        if (home >= 0 && cells.get(home) == null && (!boundedIdle || places < maxIdle)) {
            s.cell = home;
            s.setOwner(key);
            cells.set(home, s);
            places++;
            s.setState(PoolSlot.word(stamp, PoolSlot.CELL_LEASED));
        }
    }

    /** Holding the lock: the slot leaves its cell, if it is in one, and gives up its place. */
    private void detachLocked(PoolSlot<T> s) {
        if (s.cell >= 0) {
            cells.set(s.cell, null);
            s.cell = -1;
            places--;
        }
    }

    /**
     * Holding the lock: an idle slot is let go of ({@code DEAD}, out of its cell or off the stack
     * already); it stays registered, and so counts against the cap, until its disposer has
     * returned and {@link #retire} is called.
     */
    private void letGoLocked(PoolSlot<T> s) {
        s.setState(PoolSlot.word(PoolSlot.stamp(s.state()), PoolSlot.DEAD));
        detachLocked(s);
    }

    /**
     * Registers an object just made for a borrower (whose place under the cap was reserved) and
     * leases it to that borrower, in its cell if the cell is free. Also after {@code close()}: a
     * borrower that got past the check before the close gets its object (disposed of when returned).
     */
    PoolSlot<T> registerNew(T object, long createdAt, long key) {
        PoolSlot<T> s = new PoolSlot<>(object, createdAt, PoolSlot.word(1, PoolSlot.LEASED));
        lock.lock();
        try {
            registerLocked(s);
            createdForLease++;
            adoptLocked(s, key, cellOfLocked(key), 1);
        } finally {
            lock.unlock();
        }
        return s;
    }

    private void registerLocked(PoolSlot<T> s) {
        if (registered == registry.length) {
            if (registered == Integer.MAX_VALUE - 8) {
                live--;
                throw new IllegalStateException(pool + " cannot track more than " + registered + " objects");
            }
            registry = Arrays.copyOf(registry, (int) Math.min(Integer.MAX_VALUE - 8L, 2L * registered));
        }
        s.index = registered;
        registry[registered++] = s;
        created++;
    }

    /** A factory failed (or returned null) after {@link #acquire} reserved a place under the cap. */
    void creationFailed() {
        lock.lock();
        try {
            live--;
            serveWaitersLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Lets go of a slot the caller owns (leased to it, found expired, or discarded: its state is
     * set to {@code DEAD} here if it is not already). The caller has disposed of the object
     * already, so that a new object made in its room under the cap never coexists with it; a slot
     * retired already is left alone.
     *
     * @param expiredToo count it in {@link Pool.Stats#expired()} as well
     * @param discard count it as a discard (for the returned-count figure)
     */
    void retire(PoolSlot<T> s, boolean expiredToo, boolean discard) {
        lock.lock();
        try {
            retireLocked(s, true);
            if (expiredToo) {
                expired++;
            }
            if (discard) {
                discarded++;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Holding the lock: unregisters a slot whose object was disposed of; its room under the cap is free. */
    private void retireLocked(PoolSlot<T> s, boolean serve) {
        if (s.index < 0) {
            return; // retired already (a return to a closed pool, then the closer's retire)
        }
        s.setState(PoolSlot.word(PoolSlot.stamp(s.state()), PoolSlot.DEAD));
        detachLocked(s);
        int i = s.index;
        if (i >= 0) {
            PoolSlot<T> last = registry[--registered];
            registry[i] = last;
            last.index = i;
            registry[registered] = null;
            s.index = -1;
        }
        retiredLeases += s.leases();
        live--;
        dropped++;
        if (serve && !closed) {
            serveWaitersLocked();
        }
    }

    /**
     * Holding the lock: hands idle objects and places under the cap to the waiters, first come
     * first served, while there are both.
     */
    private void serveWaitersLocked() {
        while (!waiters.isEmpty()) {
            Object give = takeIdleLocked(-1);
            if (give == null) {
                if (maxTotal != 0 && live >= maxTotal) {
                    return;
                }
                live++;
                give = PoolWaiter.CREATE;
            }
            PoolWaiter<T> w = waiters.pollFirst();
            signal -= WAITER;
            w.result = give;
            LockSupport.unpark(w.thread);
        }
    }

    // ----------------------------------------------------------------------------- returning

    /**
     * Takes back a slot whose lease was closed through the shared path (its state is
     * {@code RETURNING}): to a waiter, else into the closer's cell ({@link #cellOfLocked}; the
     * cell's idle object, if any, going onto the stack), else onto the stack; dropped if that would pass the idle bound, or if
     * the pool is closed.
     *
     * @return the slot to dispose of (and then {@link #retire}), if it was dropped; else null
     */
    PoolSlot<T> putBack(PoolSlot<T> s, long stamp, long key) {
        lock.lock();
        try {
            if (closed) {
                s.setState(PoolSlot.word(stamp, PoolSlot.DEAD)); // the caller disposes, then retires it
                return s;
            }
            if (!waiters.isEmpty()) {
                s.setState(PoolSlot.word(stamp + 1, PoolSlot.LEASED));
                PoolWaiter<T> w = waiters.pollFirst();
                signal -= WAITER;
                w.result = s;
                LockSupport.unpark(w.thread);
                return null;
            }
            if (!takePlaceLocked()) {
                s.setState(PoolSlot.word(stamp, PoolSlot.DEAD)); // the caller disposes, then retires it
                return s;
            }
            places++;
            int home = cellOfLocked(key);
            PoolSlot<T> c = home >= 0 ? cells.get(home) : null;
            if (c != null) {
                long st = c.state();
                if (PoolSlot.kind(st) == PoolSlot.CELL && c.cas(st, PoolSlot.word(PoolSlot.stamp(st) + 1, PoolSlot.IDLE))) {
                    // The cell's idle object was returned before this one: it goes under it.
                    c.cell = -1;
                    pushLocked(c);
                    c = null;
                    cells.set(home, null);
                }
            }
            if (home >= 0 && c == null) {
                s.cell = home;
                s.setOwner(key);
                s.setState(PoolSlot.word(stamp + 1, PoolSlot.CELL));
                cells.set(home, s);
            } else {
                s.setState(PoolSlot.word(stamp + 1, PoolSlot.IDLE));
                pushLocked(s);
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private void pushLocked(PoolSlot<T> s) {
        if (depth == stack.length) {
            stack = Arrays.copyOf(stack, 2 * depth);
        }
        stack[depth++] = s;
    }

    /**
     * Holding the lock: whether one more object may be idle. When every place is taken, takes one
     * back from a cell whose slot is leased (or dead, waiting to be retired); when there is none,
     * checks that the cells did not change while it looked (each state word is read twice: a word
     * never repeats, so an unchanged one was there all along), so that "the idle objects are at the
     * bound" held at one instant.
     *
     * @return true if a place is free (the caller takes it: {@code places++}); false: drop
     */
    private boolean takePlaceLocked() {
        if (!boundedIdle || places < maxIdle) {
            return true;
        }
        int n = cells.count();
        long[] seen = new long[n];
        for (int attempt = 0; attempt < 3; attempt++) {
            for (int j = 0; j < n; j++) {
                PoolSlot<T> c = cells.get(j);
                long st = c == null ? 0 : c.state();
                seen[j] = st;
                if (c == null) {
                    continue;
                }
                int kind = PoolSlot.kind(st);
                if (kind == PoolSlot.DEAD
                        || (kind == PoolSlot.CELL_LEASED && c.cas(st, PoolSlot.word(PoolSlot.stamp(st), PoolSlot.LEASED)))
                        || (kind == PoolSlot.CELL_RETURNING
                                && c.cas(st, PoolSlot.word(PoolSlot.stamp(st), PoolSlot.RETURNING)))) {
                    detachLocked(c);
                    return true;
                }
            }
            boolean same = true;
            for (int j = 0; j < n && same; j++) {
                PoolSlot<T> c = cells.get(j);
                same = (c == null ? 0 : c.state()) == seen[j];
            }
            if (same) {
                return false;
            }
        }
        return false;
    }

    /**
     * After a fast return that found the signal set: the pool is closed (the slot, now idle in its
     * cell, is let go of unless someone else already did) or borrowers wait (they are served).
     *
     * @return the slot to dispose of, or null
     */
    PoolSlot<T> afterFastReturn(PoolSlot<T> s, long stamp) {
        lock.lock();
        try {
            if (closed) {
                if (s.cas(PoolSlot.word(stamp, PoolSlot.CELL), PoolSlot.word(stamp, PoolSlot.DEAD))) {
                    detachLocked(s);
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
     * @return the idle objects to dispose of; null if it was already closed
     */
    List<PoolSlot<T>> close() {
        List<PoolSlot<T>> idle = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return null;
            }
            closed = true;
            signal |= CLOSED;
            for (PoolWaiter<T> w; (w = waiters.pollFirst()) != null; ) {
                signal -= WAITER;
                w.result = PoolWaiter.CLOSED;
                LockSupport.unpark(w.thread);
            }
            while (depth > 0) {
                PoolSlot<T> s = stack[--depth];
                stack[depth] = null;
                places--;
                idle.add(s);
            }
            // Every cell is emptied: an idle slot is let go of, a leased one loses its cell (its
            // return then comes here and finds the pool closed). No fast lease or fast return can
            // succeed after this loop, which makes close() atomic for them.
            for (int j = 0, n = cells.count(); j < n; j++) {
                PoolSlot<T> c = cells.get(j);
                while (c != null) {
                    long st = c.state();
                    int kind = PoolSlot.kind(st);
                    if (kind == PoolSlot.CELL) {
                        if (c.cas(st, PoolSlot.word(PoolSlot.stamp(st), PoolSlot.DEAD))) {
                            idle.add(c);
                            break;
                        }
                    } else if (kind == PoolSlot.CELL_LEASED) {
                        if (c.cas(st, PoolSlot.word(PoolSlot.stamp(st), PoolSlot.LEASED))) {
                            detachLocked(c);
                            break;
                        }
                    } else if (kind == PoolSlot.CELL_RETURNING) {
                        if (c.cas(st, PoolSlot.word(PoolSlot.stamp(st), PoolSlot.RETURNING))) {
                            detachLocked(c);
                            break;
                        }
                    } else {
                        detachLocked(c); // dead, retired by whoever killed it
                        break;
                    }
                }
            }
            for (PoolSlot<T> s : idle) {
                letGoLocked(s);
            }
        } finally {
            lock.unlock();
        }
        return idle;
    }

    // ------------------------------------------------------------------- background upkeep

    /** @return the idle slots now, each with the state word it had (for {@link #evict}) */
    List<Object[]> idleSnapshot() {
        List<Object[]> idle = new ArrayList<>();
        lock.lock();
        try {
            for (int i = 0; i < depth; i++) {
                idle.add(new Object[] {stack[i], stack[i].state()});
            }
            for (int j = 0, n = cells.count(); j < n; j++) {
                PoolSlot<T> c = cells.get(j);
                if (c != null) {
                    long st = c.state();
                    if (PoolSlot.kind(st) == PoolSlot.CELL) {
                        idle.add(new Object[] {c, st});
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        return idle;
    }

    /**
     * Lets go of an idle slot found expired, if it is still idle with the state it had when looked
     * at (so not leased and returned since). It still counts against the cap until the caller has
     * disposed of it and called {@link #retire}.
     *
     * @return whether it was let go of (the caller disposes of it, then retires it)
     */
    boolean evict(PoolSlot<T> s, long state) {
        lock.lock();
        try {
            if (closed || s.state() != state) {
                return false;
            }
            int kind = PoolSlot.kind(state);
            if (kind == PoolSlot.IDLE) {
                int i = depth - 1;
                while (i >= 0 && stack[i] != s) {
                    i--;
                }
                if (i < 0) {
                    return false;
                }
                System.arraycopy(stack, i + 1, stack, i, depth - i - 1);
                stack[--depth] = null;
                places--;
            } else if (kind != PoolSlot.CELL || !s.cas(state, PoolSlot.word(PoolSlot.stamp(state), PoolSlot.DEAD))) {
                return false;
            }
            letGoLocked(s);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** @return whether a place under the cap was reserved for one prefilled object */
    boolean reserveForPrefill() {
        lock.lock();
        try {
            if (closed || (maxTotal != 0 && live >= maxTotal)) {
                return false;
            }
            live++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers a prefilled object: to the first waiter, else onto the stack, else (the idle
     * objects are at the bound, or the pool closed meanwhile) let go of.
     *
     * @return the slot to dispose of (and then {@link #retire}), or null
     */
    PoolSlot<T> addPrefilled(T object, long createdAt) {
        PoolSlot<T> s = new PoolSlot<>(object, createdAt, PoolSlot.word(0, PoolSlot.IDLE));
        lock.lock();
        try {
            registerLocked(s);
            if (closed || !takePlaceLocked()) {
                s.setState(PoolSlot.word(0, PoolSlot.DEAD)); // the caller disposes, then retires it
                return s;
            }
            places++;
            pushLocked(s);
            serveWaitersLocked();
            return null;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------- stats

    /** Holding the lock: idle objects, from the stack and the cells' state words. */
    private int idleLocked() {
        int idle = depth;
        for (int j = 0, n = cells.count(); j < n; j++) {
            PoolSlot<T> c = cells.get(j);
            if (c != null && PoolSlot.kind(c.state()) == PoolSlot.CELL) {
                idle++;
            }
        }
        return idle;
    }

    /** Holding the lock: objects leased now (a close still checking its object counts; one being disposed of does not). */
    private int inUseLocked() {
        int inUse = 0;
        for (int i = 0; i < registered; i++) {
            int kind = PoolSlot.kind(registry[i].state());
            if (kind != PoolSlot.IDLE && kind != PoolSlot.CELL && kind != PoolSlot.DEAD) {
                inUse++;
            }
        }
        return inUse;
    }

    /** @return the counters; exact when no lease is taken or returned meanwhile */
    Pool.Stats stats() {
        lock.lock();
        try {
            long leases = retiredLeases;
            for (int i = 0; i < registered; i++) {
                leases += registry[i].leases();
            }
            int idle = idleLocked();
            return new Pool.Stats(created, Math.max(0, leases - createdForLease), dropped, idle,
                    inUseLocked(), waits, timeouts, expired, waiters.size(),
                    Duration.ofNanos(longestWaitNanos),
                    waitsEnded == 0 ? Duration.ZERO : Duration.ofNanos(waitNanos / waitsEnded));
        } finally {
            lock.unlock();
        }
    }

    /** @return the leases ended by a discard so far */
    long discarded() {
        lock.lock();
        try {
            return discarded;
        } finally {
            lock.unlock();
        }
    }

    /** @return e.g. {@code maxTotal 8, 8 in use, 3 waiting}, for reports */
    String describe() {
        lock.lock();
        try {
            return "maxTotal " + (maxTotal == 0 ? "0 (no cap)" : Integer.toString(maxTotal)) + ", " + inUseLocked()
                    + " in use, " + idleLocked() + " idle, " + waiters.size() + " waiting";
        } finally {
            lock.unlock();
        }
    }
}
