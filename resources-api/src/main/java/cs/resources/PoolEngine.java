package cs.resources;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The machinery behind {@link Pool}: leasing and returning, fast and shared, creation, disposal.
 *
 * <p><b>Fast paths.</b> A lease reads the caller's cell ({@link PoolCells#primary}, else its
 * {@link PoolCells#secondary}) and claims the slot there, if it is the caller's, with one compare-and-set ({@code CELL} to {@code CELL_LEASED}); its close puts it back
 * with one more ({@code CELL_LEASED} to {@code CELL}); each then reads {@link PoolCore#signal}
 * once. Nothing else is written, and the slot's line stays in the cache of the core that uses it.
 * <b>Shared path.</b> Everything else (an empty or busy cell, a slot leased from the stack or
 * made new, a place under the bound or the cap, a wait, a validator) goes through
 * {@link PoolCore}, whose lock is never held while user code runs here: the factory, validator,
 * disposer, clock and expiration predicate are all called from this class, outside it.
 *
 * <p>Linearization points: a lease at its claiming compare-and-set (fast) or under the lock (an
 * object is judged expired by a clock read just after it was claimed: time-based expiration is
 * exact against that reading, not against other threads' readings); a return at the compare-and-set that ends
 * the lease ({@code CELL}, or {@code RETURNING} then the lock); {@code close()} of the pool when it
 * lets go of the lock, having emptied every cell (an idle slot let go of, a leased one losing its
 * cell), so that no fast lease or fast return can succeed after it.
 *
 * @param <T> the type of the pooled objects
 */
final class PoolEngine<T> {

    private static final System.Logger LOG = System.getLogger(Pool.class.getName());

    final String name;
    /** {@code Pool[name]}. */
    final String label;
    final int maxSize;
    final int maxTotal;
    final Duration maxWait;
    final long maxWaitNanos;
    private final Supplier<? extends T> newObject;
    private final Consumer<? super T> disposer;
    private final Predicate<? super T> validator;
    private final PoolCells cells;
    final PoolCore<T> core;
    final PoolExpiry expiry;
    private final boolean expiring;
    private final boolean tracksReturns;
    /** Background upkeep (sweep, prefill); null when none was asked for. */
    volatile PoolUpkeep<T> upkeep;
    /** The leases recorded by {@link LeakDetection}; null until it first records one. */
    private volatile LeakDetection.Holders leakHolders;

    PoolEngine(String name, Supplier<? extends T> newObject, int maxSize, int maxTotal, Duration maxWait,
            Consumer<? super T> disposer, Predicate<? super T> validator, PoolExpiry expiry, int cellCount) {
        this.name = name;
        this.label = "Pool[" + name + "]";
        this.newObject = newObject;
        this.maxSize = maxSize;
        this.maxTotal = maxTotal;
        this.maxWait = maxWait;
        this.maxWaitNanos = nanos(maxWait);
        this.disposer = disposer;
        this.validator = validator;
        this.expiry = expiry;
        this.expiring = expiry.enabled;
        this.tracksReturns = expiry.tracksReturns;
        this.cells = new PoolCells(cellCount);
        this.core = new PoolCore<>(cells, label, maxSize, maxTotal);
    }

    static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    // ------------------------------------------------------------------------------- leasing

    /**
     * @param timeoutNanos how long to wait at the cap (0: not at all)
     * @param tryOnly null instead of waiting or a timeout
     * @param op the public operation, for messages
     * @return the lease; null only with {@code tryOnly}
     */
    PoolLease<T> lease(long timeoutNanos, boolean tryOnly, String op) {
        return lease(PoolCells.key(), timeoutNanos, tryOnly, op);
    }

    /**
     * {@link #lease(long, boolean, String)} for the borrower with this key (tests pass a small
     * number as the key, pinning a borrower to the cell of that number).
     */
    PoolLease<T> lease(long key, long timeoutNanos, boolean tryOnly, String op) {
        // Claim, then judge: the clock is read once the object is this borrower's, so an object is
        // never handed out past its time by that reading (Stormpot does the same).
        PoolSlot<T> s = claim(cells.get(cells.primary(key)), key);
        if (s == null) {
            s = claim(cells.get(cells.secondary(key)), key);
        }
        if (s == null || (expiring && expired(s, expiry.clock.millis()))) {
            s = slowLease(key, s, timeoutNanos, tryOnly, op);
            if (s == null) {
                return null;
            }
        }
        s.addLease();
        // One allocation site: C2 (JDK 17) cannot scalar-replace a lease that merges two.
        PoolLease<T> lease = new PoolLease<>(this, s, PoolSlot.stamp(s.state()));
        if (LeakDetection.enabled) {
            lease.track(leakHolders());
        }
        return lease;
    }

    /** @return {@code s}, claimed from its cell for {@code key}; null if it is not that borrower's idle slot */
    private static <T> PoolSlot<T> claim(PoolSlot<T> s, long key) {
        long st;
        return s != null && PoolSlot.kind(st = s.state()) == PoolSlot.CELL && s.owner() == key
                && s.cas(st, PoolSlot.word(PoolSlot.stamp(st) + 1, PoolSlot.CELL_LEASED)) ? s : null;
    }

    /**
     * @param expired a slot this borrower claimed and found expired (disposed of already, to be
     *     retired), or null
     */
    private PoolSlot<T> slowLease(long key, PoolSlot<T> expired, long timeoutNanos, boolean tryOnly, String op) {
        long start = timeoutNanos > 0 ? System.nanoTime() : 0;
        long waitingSince = 0;
        for (;;) {
            long left = timeoutNanos <= 0 ? 0 : timeoutNanos - (System.nanoTime() - start);
            Object got = core.acquire(key, timeoutNanos <= 0 ? 0 : Math.max(1, left), tryOnly, op, expired, waitingSince);
            if (got instanceof PoolWaiter<?> w) {
                got = w.result; // after a wait
                waitingSince = w.since;
            }
            if (got == null) {
                return null;
            }
            if (got == PoolWaiter.CREATE) {
                return create(key);
            }
            @SuppressWarnings("unchecked")
            PoolSlot<T> s = (PoolSlot<T>) got;
            if (!expiring || !expired(s, expiry.clock.millis())) {
                return s;
            }
            expired = s; // retired by the next acquire, which keeps this borrower's place
        }
    }

    /** Makes an object in a place under the cap that {@link PoolCore#acquire} reserved. */
    private PoolSlot<T> create(long key) {
        T object;
        try {
            object = newObject.get();
        } catch (Throwable e) {
            // Throwable: a checked exception (Kotlin, @SneakyThrows) must give the place back too.
            core.creationFailed();
            throw e;
        }
        if (object == null) {
            core.creationFailed();
            throw new NullPointerException("the factory of " + label + " returned null");
        }
        return core.registerNew(object, expiry.now(), key);
    }

    /**
     * A slot just claimed for a lease, judged at {@code now}: if it has expired (or the check threw)
     * it is let go of and disposed of; the caller then retires it through
     * {@link PoolCore#acquire(long, long, boolean, String, PoolSlot, long)}, which keeps the
     * borrower's place.
     *
     * @return true if it was let go of
     */
    private boolean expired(PoolSlot<T> s, long now) {
        try {
            if (!expiry.expired(s, now)) {
                return false;
            }
        } catch (Throwable e) {
            // Throwable: a checked exception from a Kotlin predicate must not leak the slot.
            s.setState(PoolSlot.word(PoolSlot.stamp(s.state()), PoolSlot.DEAD));
            disposeLogged(s);
            if (e instanceof Error error) {
                core.retire(s, true, false);
                throw error;
            }
            LOG.log(Level.WARNING, "the expiration check of " + label + " threw; the object is disposed of as expired", e);
            return true;
        }
        s.setState(PoolSlot.word(PoolSlot.stamp(s.state()), PoolSlot.DEAD));
        disposeLogged(s);
        return true;
    }

    /** @return the number of cells (for tests that pin threads to cells) */
    int cellCount() {
        return cells.count();
    }

    /** @return the leases {@link LeakDetection} recorded for this pool, created on first use */
    LeakDetection.Holders leakHolders() {
        LeakDetection.Holders h = leakHolders;
        if (h == null) {
            synchronized (this) {
                h = leakHolders;
                if (h == null) {
                    h = leakHolders = new LeakDetection.Holders(label, core::describe);
                }
            }
        }
        return h;
    }

    // ----------------------------------------------------------------------------- returning

    void close(PoolLease<T> lease) {
        close(lease, -1);
    }

    /** @param key the closer's key; -1: the calling thread's */
    void close(PoolLease<T> lease, long key) {
        PoolSlot<T> s = lease.slot;
        long stamp = lease.stamp;
        if (validator != null || tracksReturns) {
            closeChecked(lease, key);
            return;
        }
        if (s.cas(PoolSlot.word(stamp, PoolSlot.CELL_LEASED), PoolSlot.word(stamp, PoolSlot.CELL))) {
            lease.ended();
            if (core.signal != 0) {
                afterFastReturn(s, stamp);
            }
            return;
        }
        closeShared(lease, key);
    }

    /**
     * The close of a lease whose object must be validated or its return time noted: the
     * compare-and-set that ends the lease comes first, so that a racing second close finds it
     * ended and runs no user code; then the checks, then the object goes back (or is let go of).
     */
    private void closeChecked(PoolLease<T> lease, long key) {
        PoolSlot<T> s = lease.slot;
        long stamp = lease.stamp;
        for (;;) {
            long st = s.state();
            if (!PoolSlot.isLease(st, stamp)) {
                return; // closed already
            }
            int next = PoolSlot.kind(st) == PoolSlot.CELL_LEASED ? PoolSlot.CELL_RETURNING : PoolSlot.RETURNING;
            if (s.cas(st, PoolSlot.word(stamp, next))) {
                break;
            }
        }
        lease.ended();
        if (validator != null && !valid(s)) {
            kill(s, stamp);
            letGo(s, null, false);
            return;
        }
        if (tracksReturns) {
            s.setReturnedAt(expiry.now());
        }
        if (s.cas(PoolSlot.word(stamp, PoolSlot.CELL_RETURNING), PoolSlot.word(stamp, PoolSlot.CELL))) {
            if (core.signal != 0) {
                afterFastReturn(s, stamp);
            }
            return;
        }
        // RETURNING: no cell held it, or the core took its cell's place meanwhile.
        PoolSlot<T> dropped = core.putBack(s, stamp, key >= 0 ? key : PoolCells.key());
        if (dropped != null) {
            letGo(dropped, null, false);
        }
    }

    /** A slot whose close owns it ({@code CELL_RETURNING} or {@code RETURNING}) is let go of: {@code DEAD}. */
    private static void kill(PoolSlot<?> s, long stamp) {
        if (!s.cas(PoolSlot.word(stamp, PoolSlot.CELL_RETURNING), PoolSlot.word(stamp, PoolSlot.DEAD))) {
            s.setState(PoolSlot.word(stamp, PoolSlot.DEAD)); // RETURNING: only its owner changes it
        }
    }

    /**
     * Asks the validator; an exception (checked ones and errors included) is an answer about the
     * object, not the caller's error: it means "invalid" and is logged.
     */
    private boolean valid(PoolSlot<T> s) {
        try {
            return validator.test(s.object);
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "the validator of " + label + " threw; the object is disposed of as invalid", e);
            return false;
        }
    }

    private void afterFastReturn(PoolSlot<T> s, long stamp) {
        PoolSlot<T> dead = core.afterFastReturn(s, stamp);
        if (dead != null) {
            letGo(dead, null, false);
        }
    }

    /** The close of a lease that no cell holds (or that lost its cell's place). */
    private void closeShared(PoolLease<T> lease, long key) {
        PoolSlot<T> s = lease.slot;
        long stamp = lease.stamp;
        for (;;) {
            long st = s.state();
            if (!PoolSlot.isLease(st, stamp)) {
                return; // closed already, by another call
            }
            if (PoolSlot.kind(st) == PoolSlot.CELL_LEASED) {
                if (s.cas(st, PoolSlot.word(stamp, PoolSlot.CELL))) {
                    lease.ended();
                    if (core.signal != 0) {
                        afterFastReturn(s, stamp);
                    }
                    return;
                }
            } else if (s.cas(st, PoolSlot.word(stamp, PoolSlot.RETURNING))) {
                break;
            }
        }
        lease.ended();
        PoolSlot<T> dropped = core.putBack(s, stamp, key >= 0 ? key : PoolCells.key());
        if (dropped != null) {
            letGo(dropped, null, false);
        }
    }

    /** Ends the lease, its slot now {@code DEAD}. @return false if it had ended already */
    private static <T> boolean end(PoolLease<T> lease) {
        PoolSlot<T> s = lease.slot;
        for (;;) {
            long st = s.state();
            if (!PoolSlot.isLease(st, lease.stamp)) {
                return false;
            }
            if (s.cas(st, PoolSlot.word(lease.stamp, PoolSlot.DEAD))) {
                lease.ended();
                return true;
            }
        }
    }

    void discard(PoolLease<T> lease) {
        if (!end(lease)) {
            throw new ClosedException("discard() on a lease from " + label + ": the lease is closed");
        }
        letGo(lease.slot, null, true);
    }

    /**
     * Disposes of an object its borrower let go of, then lets go of its slot, so that its room
     * under the cap is free only once it is gone; the bookkeeping is done before a disposer
     * failure is thrown.
     */
    private void letGo(PoolSlot<T> s, Throwable primary, boolean discard) {
        try {
            dispose(s, primary);
        } finally {
            core.retire(s, false, discard);
        }
    }

    // ---------------------------------------------------------------------------- disposal

    /**
     * Disposes of an object the pool let go of (already counted). A disposer failure is thrown,
     * with {@code primary} (if any) taking precedence and the disposer's exception suppressed in it.
     */
    void dispose(PoolSlot<T> s, Throwable primary) {
        if (disposer == null) {
            return;
        }
        try {
            disposer.accept(s.object);
        } catch (Throwable e) {
            if (primary != null) {
                primary.addSuppressed(e);
            } else {
                throw e;
            }
        }
    }

    /**
     * Disposes of an object let go of where nobody is there to be told (expired, swept, a prefilled
     * object not kept): a failure, whatever it is (checked exceptions and errors too), is logged.
     */
    void disposeLogged(PoolSlot<T> s) {
        try {
            dispose(s, null);
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "the disposer of " + label + " threw on an object let go of in the background or found expired", e);
        }
    }

    /** Makes an object for the background (prefill); the caller reserved its place. */
    T make() {
        return newObject.get();
    }

    // ------------------------------------------------------------------------------- close

    void closePool() {
        List<PoolSlot<T>> idle = core.close();
        if (idle == null) {
            return;
        }
        PoolUpkeep<T> u = upkeep;
        if (u != null) {
            u.stop();
        }
        Throwable failure = null;
        for (PoolSlot<T> s : idle) {
            try {
                dispose(s, null);
            } catch (Throwable e) {
                // Throwable: a checked exception from the disposer must not stop the others.
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            } finally {
                core.retire(s, false, false);
            }
        }
        if (failure != null) {
            throw PoolEngine.<RuntimeException>sneaky(failure);
        }
    }

    /** Rethrows {@code t} as it is, also when it is checked (the disposer may be Kotlin code). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
