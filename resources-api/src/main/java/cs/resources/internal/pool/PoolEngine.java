package cs.resources.internal.pool;

import cs.resources.ClosedException;
import cs.resources.Pool;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.HdrHistogram.Recorder;

/**
 * The machinery behind {@link Pool}: leasing and returning, fast and shared, creation, disposal,
 * the operator's controls. Not an API: the package is not exported; {@code docs/design.md},
 * section 4, tells how it works.
 *
 * <p><b>Fast paths.</b> A lease reads the caller's cell ({@link Cells#primary}, else its
 * {@link Cells#secondary}) and claims the slot there, if it is the caller's, with one
 * compare-and-set ({@code CELL} to {@code CELL_LEASED}); its close puts it back with one more
 * ({@code CELL_LEASED} to {@code CELL}) and reads {@link Waiters#signal} once. Nothing else is
 * written. <b>Shared path.</b> Everything else goes through {@link Core}, whose lock is never held
 * while user code runs here: the factory, validator, disposer, clock and expiration predicate are
 * all called from this class, outside it.
 *
 * @param <T> the type of the pooled objects
 */
public final class PoolEngine<T> {

    private static final System.Logger LOG = System.getLogger(Pool.class.getName());
    private static final int FIT = 0;
    private static final int EXPIRED = 1;
    private static final int INVALID = 2;

    /** What a {@link Pool} is built from; filled by its builder, checked there. */
    public static final class Config<T> {
        public String name;
        public Supplier<? extends T> newObject;
        /** The idle bound given; -1 if none was: it follows the cap. */
        public int maxSize = -1;
        public int maxTotal;
        public Duration maxWait;
        public Consumer<? super T> disposer;
        public Predicate<? super T> validator;
        public boolean validateOnLease;
        public boolean fair = true;
        public Duration maxLifetime;
        public Duration maxIdleTime;
        public Predicate<? super Pool.PooledInfo> expiration;
        public Clock clock;
        public Duration evictInterval;
        public ScheduledExecutorService evictExecutor;
        public int prefill;
        /** Thread cells, a power of two; 0: a few per processor. */
        public int cells;
        /** Null: no long-lease warning. */
        public Duration longLeaseWarning;
        public boolean recordHoldTimes;
        public LeakHooks leakHooks = LeakHooks.NONE;
    }

    final String name;
    /** {@code Pool[name]}. */
    final String label;
    private final Duration maxWait;
    private final long maxWaitNanos;
    private final Supplier<? extends T> newObject;
    private final Consumer<? super T> disposer;
    private final Predicate<? super T> validator;
    private final Cells cells;
    final Core<T> core;
    /** The core's waiters: their signal is read by every fast return. */
    private final Waiters waiters;
    final Expiry expiry;
    private final boolean expiring;
    private final boolean validateOnLease;
    /** Whether a claimed idle object is checked before it is handed out: expiry, or validation. */
    private final boolean leaseChecks;
    /** Whether a close checks the object or notes the time: a validator, or an idle-time rule. */
    private final boolean returnChecks;
    private final boolean tracksReturns;
    final LeakHooks leakHooks;
    /** The long-lease warning in the pool clock's milliseconds; 0: off. */
    private final long longLeaseMillis;
    private final Duration longLeaseWarning;
    /** Whether hold times are recorded now. */
    private volatile boolean recordHolds;
    /** Background upkeep (sweep, prefill); null when none was asked for. */
    private final Upkeep<T> upkeep;
    /** The long-lease watch's task; null when off. */
    private final ScheduledFuture<?> watch;

    public PoolEngine(Config<T> c) {
        this.name = c.name;
        this.label = "Pool[" + name + "]";
        this.newObject = c.newObject;
        this.maxWait = c.maxWait;
        this.maxWaitNanos = Core.nanos(maxWait);
        this.disposer = c.disposer;
        this.validator = c.validator;
        this.validateOnLease = c.validateOnLease && c.validator != null;
        this.expiry = new Expiry(c.clock, c.maxLifetime, c.maxIdleTime, c.expiration);
        this.expiring = expiry.enabled;
        this.tracksReturns = expiry.tracksReturns;
        this.leaseChecks = expiring || validateOnLease;
        this.returnChecks = validator != null || tracksReturns;
        this.leakHooks = c.leakHooks;
        this.cells = new Cells(c.cells > 0 ? c.cells : Cells.defaultCount());
        this.core = new Core<>(cells, name, c.maxSize, c.maxTotal, c.fair, expiry.enabled);
        this.waiters = core.waiters;
        this.longLeaseWarning = c.longLeaseWarning;
        this.longLeaseMillis = c.longLeaseWarning == null ? 0 : Math.max(1, c.longLeaseWarning.toMillis());
        if (c.recordHoldTimes) {
            recordHoldTimes(true);
        }
        this.upkeep = c.prefill > 0 || c.evictExecutor != null ? new Upkeep<>(this) : null;
        if (c.evictExecutor != null) {
            upkeep.scheduleSweep(c.evictInterval, c.evictExecutor);
        }
        if (c.prefill > 0) {
            upkeep.startPrefill(c.prefill);
        }
        this.watch = longLeaseMillis > 0 ? LongLeases.watch(this, Core.nanos(c.longLeaseWarning)) : null;
    }

    // ------------------------------------------------------------------------------ settings

    public String name() {
        return name;
    }

    public String label() {
        return label;
    }

    public Duration maxWait() {
        return maxWait;
    }

    public long maxWaitNanos() {
        return maxWaitNanos;
    }

    public int maxTotal() {
        return core.maxTotal();
    }

    public int maxSize() {
        return core.maxSize();
    }

    public boolean fair() {
        return core.fair();
    }

    /** @return the long-lease warning; null when off */
    public Duration longLeaseWarning() {
        return longLeaseWarning;
    }

    public boolean isClosed() {
        return core.isClosed();
    }

    /** @return the number of cells (for tests that pin threads to cells) */
    public int cellCount() {
        return cells.count();
    }

    /** @return e.g. {@code maxTotal 8, 8 in use, 0 idle, 3 waiting}, for reports */
    public String describe() {
        return core.describe();
    }

    // ------------------------------------------------------------------------------- leasing

    /**
     * @param timeoutNanos how long to wait at the cap (0: not at all)
     * @param tryOnly null instead of waiting or a timeout
     * @param op the public operation, for messages
     * @return the lease; null only with {@code tryOnly}
     */
    public Pool.Lease<T> lease(long timeoutNanos, boolean tryOnly, String op) {
        return lease(Cells.key(), timeoutNanos, tryOnly, op);
    }

    /**
     * {@link #lease(long, boolean, String)} for the borrower with this key (tests pass a small
     * number as the key, pinning a borrower to the cell of that number).
     */
    public Pool.Lease<T> lease(long key, long timeoutNanos, boolean tryOnly, String op) {
        // Claim, then judge: the clock is read once the object is this borrower's, so an object is
        // never handed out past its time by that reading (Stormpot does the same).
        Slot<T> s = claim(cells.get(cells.primary(key)), key);
        if (s == null) {
            s = claim(cells.get(cells.secondary(key)), key);
        }
        int unfit = FIT;
        if (s == null || (leaseChecks && (unfit = unfit(s)) != FIT)) {
            s = slowLease(key, s, unfit, timeoutNanos, tryOnly, op);
            if (s == null) {
                return null;
            }
        }
        // One allocation site: C2 (JDK 17) cannot scalar-replace a lease that merges two.
        PooledLease<T> lease = new PooledLease<>(this, s, Slot.stamp(s.state()));
        if (longLeaseMillis > 0 || recordHolds || leakHooks.recording()) {
            record(lease);
        }
        return lease;
    }

    /** What the features that are off by default note of a lease: its start, its borrower, its stack. */
    private void record(PooledLease<T> lease) {
        if (longLeaseMillis > 0) {
            lease.leasedAt = expiry.clock.millis();
            Thread t = Thread.currentThread();
            lease.thread = t.getName();
            lease.stack = new Throwable("leased by " + t.getName());
            lease.slot.watched = lease;
        }
        if (recordHolds) {
            lease.heldSince = System.nanoTime();
        }
        if (leakHooks.recording()) {
            lease.leakToken = leakHooks.opened(lease);
        }
    }

    /** @return {@code s}, claimed from its cell for {@code key}; null if it is not that borrower's idle slot */
    private static <T> Slot<T> claim(Slot<T> s, long key) {
        long st;
        return s != null && Slot.kind(st = s.state()) == Slot.CELL && s.owner() == key
                && s.cas(st, Slot.word(Slot.stamp(st) + 1, Slot.CELL_LEASED)) ? s : null;
    }

    /**
     * @param unfit a slot this borrower claimed and found unfit (disposed of already, to be
     *     retired), or null
     * @param why {@link #EXPIRED} or {@link #INVALID}, for {@code unfit}
     */
    private Slot<T> slowLease(long key, Slot<T> unfit, int why, long timeoutNanos, boolean tryOnly, String op) {
        long start = timeoutNanos > 0 ? System.nanoTime() : 0;
        long[] waitingSince = {0};
        boolean retry = false;
        for (;;) {
            long left = timeoutNanos <= 0 ? 0 : timeoutNanos - (System.nanoTime() - start);
            if (retry && left <= 0) {
                left = 0; // woken at its deadline: one more look, without waiting
            } else if (timeoutNanos > 0) {
                left = Math.max(1, left);
            }
            Grant g = core.acquire(key, left, tryOnly || (retry && left == 0), op, unfit, why == EXPIRED, retry,
                    waitingSince);
            unfit = null;
            if (g == Grant.Marker.RETRY) {
                retry = true;
                continue;
            }
            if (g == Grant.Marker.NONE) {
                if (!tryOnly) {
                    throw core.timedOut(op, waitingSince[0]);
                }
                return null;
            }
            if (g == Grant.Marker.CREATE) {
                return create(key);
            }
            @SuppressWarnings("unchecked")
            Slot<T> s = (Slot<T>) g;
            why = leaseChecks ? unfit(s) : FIT;
            if (why == FIT) {
                return s;
            }
            unfit = s; // retired by the next acquire, which keeps this borrower's place
        }
    }

    /** Makes an object in room under the cap that {@link Core#acquire} reserved. */
    private Slot<T> create(long key) {
        T object;
        try {
            object = newObject.get();
        } catch (Throwable e) {
            // Throwable: a checked exception (Kotlin, @SneakyThrows) must give the room back too.
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
     * Judges an idle object just claimed for a lease: expired (or the rule threw), or invalid
     * with {@code validateOnLease} (or the validator threw). An unfit one is let go of
     * ({@code DEAD}) and disposed of here; the caller retires it through {@link Core#acquire},
     * which keeps the borrower's place. A disposer failure has nobody to reach and is logged.
     *
     * @return {@link #FIT}, {@link #EXPIRED} or {@link #INVALID}
     */
    private int unfit(Slot<T> s) {
        if (expiring) {
            boolean expired;
            try {
                expired = expiry.expired(s, expiry.clock.millis(), true);
            } catch (Throwable e) {
                // Throwable: a checked exception from a Kotlin predicate must not leak the slot.
                unclaim(s);
                disposeLogged(s);
                if (e instanceof Error error) {
                    core.retire(s, true);
                    throw error;
                }
                LOG.log(Level.WARNING, "the expiration check of " + label + " threw; the object is disposed of as expired", e);
                return EXPIRED;
            }
            if (expired) {
                unclaim(s);
                disposeLogged(s);
                return EXPIRED;
            }
        }
        if (validateOnLease && !valid(s)) {
            unclaim(s);
            disposeLogged(s);
            return INVALID;
        }
        return FIT;
    }

    /**
     * The borrower that claimed a slot and found it unfit lets go of it: {@code DEAD}, with the
     * stamp it had before the claim (which was not a lease: the stamp counts leases).
     */
    private static void unclaim(Slot<?> s) {
        for (;;) {
            long st = s.state();
            if (s.cas(st, Slot.word(Slot.stamp(st) - 1, Slot.DEAD))) {
                return;
            }
        }
    }

    /** The borrower, or the closer, that owns a slot lets go of it: {@code DEAD} (the core may take its cell meanwhile). */
    private static void kill(Slot<?> s) {
        for (;;) {
            long st = s.state();
            if (s.cas(st, Slot.word(Slot.stamp(st), Slot.DEAD))) {
                return;
            }
        }
    }

    // ----------------------------------------------------------------------------- returning

    /** @param key the closer's key; -1: the calling thread's */
    public void close(Pool.Lease<T> l, long key) {
        PooledLease<T> lease = (PooledLease<T>) l;
        Slot<T> s = lease.slot;
        long stamp = lease.stamp;
        if (returnChecks) {
            closeChecked(lease, key);
            return;
        }
        if (s.cas(Slot.word(stamp, Slot.CELL_LEASED), Slot.word(stamp, Slot.CELL))) {
            lease.ended();
            if (waiters.signal != 0) {
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
    private void closeChecked(PooledLease<T> lease, long key) {
        Slot<T> s = lease.slot;
        long stamp = lease.stamp;
        for (;;) {
            long st = s.state();
            if (!Slot.isLease(st, stamp)) {
                return; // closed already
            }
            int next = Slot.kind(st) == Slot.CELL_LEASED ? Slot.CELL_RETURNING : Slot.RETURNING;
            if (s.cas(st, Slot.word(stamp, next))) {
                break;
            }
        }
        lease.ended();
        if (validator != null && !valid(s)) {
            kill(s);
            letGo(s, null);
            return;
        }
        if (tracksReturns) {
            s.setReturnedAt(expiry.now());
        }
        if (s.cas(Slot.word(stamp, Slot.CELL_RETURNING), Slot.word(stamp, Slot.CELL))) {
            if (waiters.signal != 0) {
                afterFastReturn(s, stamp);
            }
            return;
        }
        // RETURNING: no cell held it, or the core took its cell's place meanwhile.
        Slot<T> dropped = core.putBack(s, stamp, key >= 0 ? key : Cells.key());
        if (dropped != null) {
            letGo(dropped, null);
        }
    }

    private void afterFastReturn(Slot<T> s, long stamp) {
        Slot<T> dead = core.afterFastReturn(s, stamp);
        if (dead != null) {
            letGo(dead, null);
        }
    }

    /** The close of a lease that no cell holds (or that lost its cell's place). */
    private void closeShared(PooledLease<T> lease, long key) {
        Slot<T> s = lease.slot;
        long stamp = lease.stamp;
        for (;;) {
            long st = s.state();
            if (!Slot.isLease(st, stamp)) {
                return; // closed already, by another call
            }
            if (Slot.kind(st) == Slot.CELL_LEASED) {
                if (s.cas(st, Slot.word(stamp, Slot.CELL))) {
                    lease.ended();
                    if (waiters.signal != 0) {
                        afterFastReturn(s, stamp);
                    }
                    return;
                }
            } else if (s.cas(st, Slot.word(stamp, Slot.RETURNING))) {
                break;
            }
        }
        lease.ended();
        Slot<T> dropped = core.putBack(s, stamp, key >= 0 ? key : Cells.key());
        if (dropped != null) {
            letGo(dropped, null);
        }
    }

    /**
     * Asks the validator; an exception (checked ones and errors included) is an answer about the
     * object, not the caller's error: it means "invalid" and is logged.
     */
    private boolean valid(Slot<T> s) {
        try {
            return validator.test(s.object);
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "the validator of " + label + " threw; the object is disposed of as invalid", e);
            return false;
        }
    }

    /** Ends the lease, its slot now {@code DEAD}. @return false if it had ended already */
    private static <T> boolean end(PooledLease<T> lease) {
        Slot<T> s = lease.slot;
        for (;;) {
            long st = s.state();
            if (!Slot.isLease(st, lease.stamp)) {
                return false;
            }
            if (s.cas(st, Slot.word(lease.stamp, Slot.DEAD))) {
                lease.ended();
                return true;
            }
        }
    }

    void discard(PooledLease<T> lease) {
        if (!end(lease)) {
            throw new ClosedException("discard() on a lease from " + label + ": the lease is closed");
        }
        letGo(lease.slot, null);
    }

    /**
     * Disposes of an object let go of, then retires its slot, so that its room under the cap is
     * free only once it is gone; the bookkeeping is done before a disposer failure is thrown.
     */
    private void letGo(Slot<T> s, Throwable primary) {
        try {
            dispose(s, primary);
        } finally {
            core.retire(s, false);
        }
    }

    void recordHold(long nanos) {
        Recorder r = core.holdRecorder();
        if (r != null) {
            r.recordValue(Math.max(0, nanos));
        }
    }

    // ---------------------------------------------------------------------------- disposal

    /**
     * Disposes of an object the pool let go of (already counted). A disposer failure is thrown,
     * with {@code primary} (if any) taking precedence and the disposer's exception suppressed in it.
     */
    void dispose(Slot<T> s, Throwable primary) {
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
     * Disposes of an object let go of where nobody is there to be told (expired, invalid on lease,
     * swept, a prefilled object not kept): a failure, whatever it is (checked exceptions and errors
     * too), is logged.
     */
    void disposeLogged(Slot<T> s) {
        try {
            dispose(s, null);
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "the disposer of " + label
                    + " threw on an object let go of in the background or found unfit for a lease", e);
        }
    }

    /**
     * Disposes of every slot in {@code gone} (let go of, still registered) and retires each, then
     * throws the first disposer failure, the others suppressed in it.
     */
    private void disposeAll(List<Slot<T>> gone) {
        Throwable failure = null;
        for (Slot<T> s : gone) {
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
                core.retire(s, false);
            }
        }
        if (failure != null) {
            throw PoolEngine.<RuntimeException>sneaky(failure);
        }
    }

    /** Makes an object for the background (prefill); the caller reserved its room. */
    T make() {
        return newObject.get();
    }

    // ------------------------------------------------------------------------- operators

    public void setMaxTotal(int maxTotal) {
        disposeAll(core.setMaxTotal(maxTotal, "setMaxTotal(" + maxTotal + ")"));
    }

    public void setMaxSize(int maxSize) {
        disposeAll(core.setMaxSize(maxSize, "setMaxSize(" + maxSize + ")"));
    }

    public void evictAll() {
        disposeAll(core.evictAll("evictAll()"));
    }

    public boolean awaitClosed(long nanos) throws InterruptedException {
        return core.awaitClosed(nanos, "awaitClosed");
    }

    /** Starts or stops recording hold times; leases taken while it is off are not recorded. */
    public void recordHoldTimes(boolean on) {
        if (on) {
            core.recordHolds();
        }
        recordHolds = on;
    }

    public boolean recordsHoldTimes() {
        return recordHolds;
    }

    /** Looks at the leases out for those held past the warning (the watch's thread). */
    void scanLongLeases() {
        List<PooledLease<T>> out = core.watchedLeases();
        if (out.isEmpty()) {
            return;
        }
        long now = expiry.clock.millis();
        for (PooledLease<T> l : out) {
            long held = now - l.leasedAt;
            if (!l.warned && held >= longLeaseMillis && l.isOpen()) {
                l.warned = true;
                Duration heldFor = Duration.ofMillis(held);
                LOG.log(Level.WARNING, "a lease of " + label + " has been held for " + heldFor + " by thread " + l.thread
                        + " (longLeaseWarning " + longLeaseWarning + "); it was leased at:", l.stack);
                Jfr.longLease(name, l.thread, Core.nanos(heldFor));
                core.countLongLease(); // last: whoever sees the count sees the warning and the event too
            }
        }
    }

    // ------------------------------------------------------------------------------- stats, close

    public Pool.Stats stats() {
        return core.stats();
    }

    public void closePool() {
        List<Slot<T>> idle = core.close();
        if (idle == null) {
            return;
        }
        if (upkeep != null) {
            upkeep.stop();
        }
        if (watch != null) {
            watch.cancel(false);
        }
        disposeAll(idle);
    }

    /** Rethrows {@code t} as it is, also when it is checked (the disposer may be Kotlin code). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
