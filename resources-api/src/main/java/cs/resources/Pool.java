package cs.resources;

import cs.resources.internal.pool.PoolEngine;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A pool of interchangeable objects, on the premise that reuse is cheaper than creation (the Python
 * library's {@code Pool}). Objects are leased with try-with-resources and come back when the lease
 * closes, also when the body threw:
 *
 * <pre>{@code
 * Pool<MessageDigest> digests = new Pool<>(() -> newSha256());
 * try (var lease = digests.instance()) {
 *     return lease.get().digest(bytes);
 * }
 * }</pre>
 *
 * <h2>Sizing</h2>
 * {@code maxSize} bounds the <em>idle</em> objects kept for reuse: an object returned while
 * {@code maxSize} objects are idle is dropped; {@code 0} means no bound. Without a cap it never
 * bounds the objects in use: a borrower finding no idle object gets a new one. A thread that uses
 * the pool alone gets the most recently returned object first. Threads that share the pool each
 * prefer the object they used last (see <a href="#concurrency">Concurrency</a>).
 * {@link #setMaxTotal(int)} and {@link #setMaxSize(int)} change the bounds of a running pool.
 *
 * <h2>A cap, and waiting</h2>
 * {@link Builder#maxTotal(int)} caps the objects that exist, in use and idle ({@code 0}, the
 * default: no cap, and {@link #instance()} never waits). An object counts against the cap from the
 * moment its creation starts until its disposer has returned, whoever disposes of it. At the cap,
 * {@link #instance()} waits for a returned object up to {@link Builder#maxWait(Duration)} (default
 * 30 seconds; zero: it does not wait), {@link #instance(Duration)} up to the time given, and
 * {@link #tryInstance()} does not wait. With {@link Builder#fair(boolean) fair} (the default)
 * waiters are served in the order they came, and a newcomer queues behind them; without, a
 * newcomer takes an idle object at once, even when others wait. In both modes every waiter is
 * served or times out. A return, a discard, a dropped or expired object, a raised cap or
 * {@link #close()} wakes them. A wait that ends without an object throws
 * {@link PoolTimeoutException}; an interrupt ends a wait the same way, with the interrupt flag
 * kept set and an {@link InterruptedException} as the cause. No lock or monitor is held while a
 * borrower waits: a waiting virtual thread unmounts, and returns are never held up.
 *
 * <h2>Expiration</h2>
 * {@link Builder#maxLifetime(Duration)} (since the object was made),
 * {@link Builder#maxIdleTime(Duration)} (since it was last returned) and
 * {@link Builder#expiration(Predicate)} (any rule on a {@link PooledInfo}) are checked, against
 * {@link Builder#clock(Clock)} in milliseconds, when an idle object is about to be leased again:
 * an expired object is disposed of, counted in {@link Stats#dropped()} and {@link Stats#expired()},
 * and never handed out; the borrower gets another, keeping its place if it waited. A predicate
 * that throws counts as saying "expired" (its exception is logged).
 * {@link Builder#evictEvery(Duration, ScheduledExecutorService)} also lets go of expired idle
 * objects in the background (whatever the rule or the disposer throws there is logged, and the
 * sweep goes on), and {@link Builder#prefill(int)} makes objects ahead of demand.
 *
 * <h2>For operators</h2>
 * {@link Builder#longLeaseWarning(Duration)} logs a warning (and a JFR event
 * {@code cs.resources.LongLease}) for a lease held too long, found while it is held;
 * {@link #evictAll()} replaces every object (credential rotation, failover);
 * {@link #awaitClosed(Duration)} waits for a closed pool's objects to come back and be disposed
 * of; {@link #stats()} gives counts, wait times and, with {@link #recordHoldTimes(boolean)}, hold
 * times as percentiles. A wait at the cap is a JFR event {@code cs.resources.PoolWait}.
 *
 * <h2>Beyond the Python library</h2>
 * Through {@link #builder(Supplier)}: a disposer for every object the pool lets go of (dropped,
 * discarded, invalid, expired, evicted, idle at {@link #close()}, returned after it); a validator
 * run on return (an invalid object is disposed, not kept) and, with
 * {@link Builder#validateOnLease(boolean)}, on lease; {@link Lease#discard()} for a broken object.
 *
 * <h2>Failures</h2>
 * An exception from the factory reaches the borrower as it was thrown (the same instance) and
 * leaves the pool unchanged (at the cap, its room goes to the next waiter, which tries the factory
 * in turn); a factory returning {@code null} gets a {@link NullPointerException}. A validator that
 * throws says "invalid": the object is disposed of and the exception logged as a warning; neither
 * the closer nor the borrower sees it. An exception from the disposer reaches whoever closed the
 * lease (or the pool, or called {@link #evictAll()} or a setter), after the pool has finished its
 * bookkeeping: the object is dropped and counted. This holds for checked exceptions too (thrown by
 * Kotlin lambdas or through {@code @SneakyThrows}): they are rethrown as they are. A disposer
 * failure on an object let go of in the background or found unfit for a lease has nobody to reach
 * and is logged.
 *
 * <h2 id="concurrency">Concurrency</h2>
 * Thread-safe; an object is never leased to two borrowers at once, and the idle bound and the cap
 * hold at every instant. A thread leases from a cell of its own (one of a fixed number, chosen by
 * its id: no {@link ThreadLocal}, however many threads pass through) with one compare-and-set, and
 * returns there with another: no lock, no allocation once the JIT has inlined the lease, and no
 * cache line written by another thread. Objects that no cell holds, creation, the cap and waiting
 * go through a lock that is never held while user code runs (factory, validator, disposer, clock,
 * predicate) or while anyone waits. The factory runs in the borrowing thread, outside any lock.
 * Closing a lease twice is harmless, also from two threads at once: only the first close runs the
 * validator, the disposer or the clock. The design is described in the project's
 * {@code docs/design.md}, section 4.
 *
 * <p>Memory consistency effects: actions in a thread before it closes a lease (or returns the
 * object by any path) <i>happen-before</i> actions that follow the lease of that object by another
 * borrower, in any thread, and the disposer's call on it; actions in the factory happen-before the
 * borrower's use of the new object; actions before {@link #close()} happen-before a borrower's
 * {@link ClosedException}; the disposer's return of every object happens-before
 * {@link #awaitClosed(Duration)} returns true.
 *
 * @param <T> the type of the pooled objects
 */
public final class Pool<T> implements AutoCloseable {

    /** The idle bound of {@link #Pool(Supplier)} and of a builder whose size was not set (without a cap). */
    public static final int DEFAULT_MAX_SIZE = 4;
    /** How long {@link #instance()} waits at the cap unless {@link Builder#maxWait(Duration)} says otherwise. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(30);

    private static final AtomicLong IDS = new AtomicLong();

    private final PoolEngine<T> engine;
    private final PoolLeaks leaks;

    /**
     * A pool that keeps up to {@value #DEFAULT_MAX_SIZE} idle objects.
     *
     * @param newObject makes a new object when no idle one is available
     * @throws NullPointerException if {@code newObject} is null
     */
    public Pool(Supplier<? extends T> newObject) {
        this(newObject, DEFAULT_MAX_SIZE);
    }

    /**
     * @param newObject makes a new object when no idle one is available
     * @param maxSize how many idle objects to keep for reuse; 0 for no bound
     * @throws NullPointerException if {@code newObject} is null
     * @throws IllegalArgumentException if {@code maxSize} is negative
     */
    public Pool(Supplier<? extends T> newObject, int maxSize) {
        this(new Builder<T>(newObject).maxSize(maxSize));
    }

    private Pool(Builder<T> b) {
        PoolEngine.Config<T> c = b.config;
        c.name = c.name != null ? c.name : "Pool-" + IDS.incrementAndGet();
        this.leaks = new PoolLeaks("Pool[" + c.name + "]", this::describe);
        c.leakHooks = leaks;
        this.engine = new PoolEngine<>(c);
    }

    private static int checkSize(String what, String none, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must be 0 (" + none + ") or positive, not " + value);
        }
        return value;
    }

    /**
     * @param <T> the type of the pooled objects
     * @param newObject makes a new object when no idle one is available
     * @return a builder for a pool with a cap, expiration, a disposer, a validator, a name or another idle bound
     * @throws NullPointerException if {@code newObject} is null
     */
    public static <T> Builder<T> builder(Supplier<? extends T> newObject) {
        return new Builder<>(newObject);
    }

    /** @return the pool's name, as given to the builder or {@code "Pool-" + n} */
    public String name() {
        return engine.name();
    }

    /**
     * @return the idle bound; 0 for none. One never set (by the builder or {@link #setMaxSize})
     *     follows the cap: the cap, or {@value #DEFAULT_MAX_SIZE} without one
     */
    public int maxSize() {
        return engine.maxSize();
    }

    /** @return the cap on the objects in existence; 0 for none */
    public int maxTotal() {
        return engine.maxTotal();
    }

    /** @return how long {@link #instance()} waits at the cap */
    public Duration maxWait() {
        return engine.maxWait();
    }

    /** @return whether waiters are served in arrival order ({@link Builder#fair(boolean)}) */
    public boolean isFair() {
        return engine.fair();
    }

    /** @return the long-lease warning ({@link Builder#longLeaseWarning(Duration)}); empty when off */
    public Optional<Duration> longLeaseWarning() {
        return Optional.ofNullable(engine.longLeaseWarning());
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return engine.isClosed();
    }

    // ---------------------------------------------------------------------------------- leasing

    /**
     * Leases an object: an idle one (the calling thread's last, else the most recently returned),
     * else a new one from the factory (called in this thread, outside any lock), else, at the cap,
     * the first one returned within {@link #maxWait()}.
     *
     * @return the lease; close it to return the object
     * @throws ClosedException if the pool is closed, also while waiting
     * @throws PoolTimeoutException at the cap, when no object came within {@link #maxWait()}, or
     *     when an interrupt ended the wait (cause {@link InterruptedException}, the flag kept set)
     * @throws NullPointerException if the factory returned null (the pool is unchanged)
     * @throws RuntimeException whatever the factory threw, the same instance (the pool is unchanged)
     */
    public Lease<T> instance() {
        return engine.lease(engine.maxWaitNanos(), false, "instance()");
    }

    /**
     * Leases an object as {@link #instance()} does, waiting at the cap up to {@code timeout}.
     *
     * @param timeout how long to wait at the cap; zero: do not wait
     * @return the lease
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws ClosedException if the pool is closed, also while waiting
     * @throws PoolTimeoutException at the cap, when no object came in time or an interrupt ended the wait
     * @throws RuntimeException whatever the factory threw, the same instance
     */
    public Lease<T> instance(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("instance(" + timeout + ") on " + this + ": negative timeout");
        }
        return engine.lease(nanos(timeout), false, "instance(" + timeout + ")");
    }

    /**
     * Leases an object if one can be had without waiting: an idle one, or a new one while under
     * the cap (the factory may take its time; that is not waiting).
     *
     * @return the lease, or empty at the cap
     * @throws ClosedException if the pool is closed
     * @throws RuntimeException whatever the factory threw, the same instance
     */
    public Optional<Lease<T>> tryInstance() {
        return Optional.ofNullable(engine.lease(0, true, "tryInstance()"));
    }

    private static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * For tests that pin threads to cells: {@link #instance()} as if the caller's cell were {@code cell}.
     * Close the lease with {@link #closeIn(Lease, int)}.
     */
    Lease<T> instanceIn(int cell) {
        return engine.lease((long) cell, engine.maxWaitNanos(), false, "instance()");
    }

    /** For tests: {@link #tryInstance()} as if the caller's cell were {@code cell}. */
    Lease<T> tryInstanceIn(int cell) {
        return engine.lease((long) cell, 0, true, "tryInstance()");
    }

    /** For tests: closes {@code lease} as the borrower pinned to {@code cell} would. */
    void closeIn(Lease<T> lease, int cell) {
        engine.close(lease, cell);
    }

    /** @return the number of thread cells, for tests */
    int cellCount() {
        return engine.cellCount();
    }

    /** @return the pool's state for a leak report: its cap, the objects in use and idle, the waiters */
    private String describe() {
        return engine.describe();
    }

    /** @return the leases {@link LeakDetection} recorded for this pool, created on first use */
    LeakDetection.Holders leakHolders() {
        return leaks.holders();
    }

    // -------------------------------------------------------------------------------- operators

    /**
     * Changes the cap of the running pool, by the builder's rules. Growing wakes waiters.
     * Shrinking revokes no lease: idle objects above the new bounds are disposed of at once, and
     * objects in use are dropped as they come back, until the pool is within its bounds. An idle
     * bound never set follows the cap.
     *
     * @param maxTotal the most objects that may exist at once; 0 for no cap
     * @throws IllegalArgumentException if {@code maxTotal} is negative, or below an idle bound that
     *     was set (nothing is changed)
     * @throws ClosedException if the pool is closed
     * @throws RuntimeException the first exception a disposer threw (the others suppressed into
     *     it), after every object let go of was disposed of
     */
    public void setMaxTotal(int maxTotal) {
        checkSize("setMaxTotal: maxTotal", "no cap", maxTotal);
        engine.setMaxTotal(maxTotal);
    }

    /**
     * Changes the idle bound of the running pool, by the builder's rules: idle objects above it
     * are disposed of at once, objects in use dropped as they come back while the pool is over it.
     *
     * @param maxSize how many idle objects to keep; 0 for no bound
     * @throws IllegalArgumentException if {@code maxSize} is negative, or above a non-zero cap
     *     (nothing is changed)
     * @throws ClosedException if the pool is closed
     * @throws RuntimeException the first exception a disposer threw, after every object let go of
     *     was disposed of
     */
    public void setMaxSize(int maxSize) {
        checkSize("setMaxSize: maxSize", "no bound", maxSize);
        engine.setMaxSize(maxSize);
    }

    /**
     * Replaces every object: each idle one is disposed of now, and each in use is disposed of when
     * it comes back instead of being kept (all counted as dropped). The pool stays open and makes
     * new objects on demand: for credential rotation or a failover.
     *
     * @throws ClosedException if the pool is closed
     * @throws RuntimeException the first exception a disposer threw, after every idle object was
     *     disposed of
     */
    public void evictAll() {
        engine.evictAll();
    }

    /**
     * Once {@link #close()} has been called (also while it runs), waits until every leased object
     * has come back and every object has been disposed of.
     *
     * @param timeout how long to wait; zero: only look
     * @return true if that happened within {@code timeout}
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException if the pool is not closed
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("awaitClosed(" + timeout + ") on " + this + ": negative timeout");
        }
        return engine.awaitClosed(nanos(timeout));
    }

    /**
     * Starts or stops recording how long each lease is held, for {@link Stats#holdTimes()}: two
     * clock reads and one record per lease while on (off by default: a lease then pays nothing for
     * it). The times recorded so far are kept.
     *
     * @param on whether leases taken from now on are timed
     */
    public void recordHoldTimes(boolean on) {
        engine.recordHoldTimes(on);
    }

    /** @return whether hold times are being recorded ({@link #recordHoldTimes(boolean)}) */
    public boolean recordsHoldTimes() {
        return engine.recordsHoldTimes();
    }

    // ----------------------------------------------------------------------------- stats, close

    /**
     * @return a snapshot of the counters and times; exact when no lease is being taken or returned
     *     meanwhile
     */
    public Stats stats() {
        return engine.stats();
    }

    /**
     * Closes the pool: idle objects are disposed of now, objects still leased when their leases
     * close, waiting borrowers get {@link ClosedException}, and so does every {@link #instance()}
     * and {@link #tryInstance()} from now on; the background sweep and the long-lease watch stop.
     * Idempotent. Atomic: a lease that overlaps it either got its object before (and returns it to
     * a closed pool, which disposes of it) or is refused; one that found no idle object just before
     * still gets the new object it is making. {@link #awaitClosed(Duration)} waits for the rest.
     *
     * @throws RuntimeException the first exception a disposer threw (the others suppressed into
     *     it), after every idle object was disposed of
     */
    @Override
    public void close() {
        engine.closePool();
    }

    /** @return the name, e.g. {@code Pool[digests]} */
    @Override
    public String toString() {
        return engine.label();
    }

    // ---------------------------------------------------------------------------------- types

    /**
     * A leased object. Close the lease (try-with-resources) to return the object; closing it again
     * does nothing, also from another thread at the same time. A lease is meant for one borrower;
     * it may be handed to another thread, but not shared.
     *
     * @param <T> the type of the pooled object
     */
    @ProviderType
    public interface Lease<T> extends AutoCloseable {
        /**
         * @return the leased object
         * @throws ClosedException if the lease was closed or discarded
         */
        T get();

        /**
         * Returns the object to the pool (kept if valid and under the idle bound, else disposed
         * of; handed to the first waiter if borrowers wait). Idempotent: a second close, also one
         * racing the first from another thread, does nothing and calls no validator, disposer or
         * clock.
         *
         * @throws RuntimeException what the disposer threw, after the object was dropped and
         *     counted (a validator's exception means "invalid" and is logged, not thrown)
         */
        @Override
        void close();

        /**
         * Ends the lease without returning the object: for an object that is broken. It is
         * disposed of and counted as dropped; at the cap, its room goes to the first waiter.
         *
         * @throws ClosedException if the lease was already closed or discarded (the object, now
         *     someone else's or idle, is left alone)
         * @throws RuntimeException what the disposer threw, after the object was dropped and
         *     counted
         */
        void discard();
    }

    /**
     * What an expiration rule ({@link Builder#expiration(Predicate)}) knows of an idle object, at
     * the moment it is asked, in the pool clock's milliseconds.
     */
    @ProviderType
    public interface PooledInfo {
        /** @return the time since the object was made */
        Duration age();

        /** @return the time since it was last returned (since it was made, if never returned) */
        Duration idleTime();

        /** @return the leases it has had so far */
        long leaseCount();
    }

    /**
     * A distribution of times (waits at the cap, or how long leases were held), since the pool was
     * made (waits) or since hold times are recorded ({@link Pool#recordHoldTimes(boolean)}). The
     * percentiles and the mean are within 1% of the true values (HdrHistogram, two significant
     * digits); the count is exact.
     *
     * @param count how many times were recorded
     * @param mean their mean
     * @param p50 the median: half of the times were at most this
     * @param p90 the 90th percentile
     * @param p99 the 99th percentile
     * @param p999 the 99.9th percentile
     * @param max the longest
     */
    public record Times(long count, Duration mean, Duration p50, Duration p90, Duration p99, Duration p999,
            Duration max) {

        /** No time recorded. */
        public static final Times NONE = new Times(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, Duration.ZERO);

        /**
         * @param count how many times were recorded
         * @param mean their mean
         * @param p50 the median
         * @param p90 the 90th percentile
         * @param p99 the 99th percentile
         * @param p999 the 99.9th percentile
         * @param max the longest
         * @throws NullPointerException if a duration is null
         * @throws IllegalArgumentException if {@code count} is negative
         */
        public Times {
            if (count < 0) {
                throw new IllegalArgumentException("count must not be negative, not " + count);
            }
            Objects.requireNonNull(mean, "mean");
            Objects.requireNonNull(p50, "p50");
            Objects.requireNonNull(p90, "p90");
            Objects.requireNonNull(p99, "p99");
            Objects.requireNonNull(p999, "p999");
            Objects.requireNonNull(max, "max");
        }

        /** @return the sum of the times: {@code mean} times {@code count} (within 1%) */
        public Duration total() {
            return mean.multipliedBy(count);
        }
    }

    /**
     * Counters of a pool.
     *
     * @param created objects made by the factory
     * @param reused leases served by an idle object rather than a new one
     * @param dropped objects the pool let go of: over the idle bound, discarded, invalid, expired,
     *     evicted, idle at close, or returned after close
     * @param idle objects waiting for reuse now
     * @param inUse objects leased now
     * @param waits borrowers that had to wait at the cap
     * @param timeouts borrowers whose wait ended without an object (timed out or interrupted),
     *     or that found the cap reached and would not wait
     * @param expired objects let go of as expired (also counted in {@code dropped})
     * @param waiting borrowers waiting now
     * @param longestWait the longest wait so far
     * @param meanWait the mean of the waits that ended so far (zero before any)
     * @param longLeases leases found held past {@link Builder#longLeaseWarning(Duration)} (each
     *     counted once)
     * @param waitTimes the waits that ended so far, as a distribution
     * @param holdTimes how long leases were held, while {@link Pool#recordHoldTimes(boolean)} was on
     */
    public record Stats(long created, long reused, long dropped, int idle, int inUse, long waits, long timeouts,
            long expired, int waiting, Duration longestWait, Duration meanWait, long longLeases, Times waitTimes,
            Times holdTimes) {

        /**
         * @param created objects made by the factory
         * @param reused leases served by an idle object rather than a new one
         * @param dropped objects the pool let go of
         * @param idle objects waiting for reuse now
         * @param inUse objects leased now
         * @param waits borrowers that had to wait at the cap
         * @param timeouts borrowers whose wait ended without an object, or that would not wait
         * @param expired objects let go of as expired
         * @param waiting borrowers waiting now
         * @param longestWait the longest wait so far
         * @param meanWait the mean of the waits that ended so far
         * @param longLeases leases found held past the long-lease warning
         * @param waitTimes the waits that ended so far
         * @param holdTimes how long leases were held, while recorded
         * @throws NullPointerException if a duration or a distribution is null
         */
        public Stats {
            Objects.requireNonNull(longestWait, "longestWait");
            Objects.requireNonNull(meanWait, "meanWait");
            Objects.requireNonNull(waitTimes, "waitTimes");
            Objects.requireNonNull(holdTimes, "holdTimes");
        }

        /**
         * Counters without long leases or distributions: the second release's form.
         *
         * @param created objects made by the factory
         * @param reused leases served by an idle object rather than a new one
         * @param dropped objects the pool let go of
         * @param idle objects waiting for reuse now
         * @param inUse objects leased now
         * @param waits borrowers that had to wait at the cap
         * @param timeouts borrowers whose wait ended without an object, or that would not wait
         * @param expired objects let go of as expired
         * @param waiting borrowers waiting now
         * @param longestWait the longest wait so far
         * @param meanWait the mean of the waits that ended so far
         * @throws NullPointerException if a duration is null
         */
        public Stats(long created, long reused, long dropped, int idle, int inUse, long waits, long timeouts,
                long expired, int waiting, Duration longestWait, Duration meanWait) {
            this(created, reused, dropped, idle, inUse, waits, timeouts, expired, waiting, longestWait, meanWait, 0,
                    Times.NONE, Times.NONE);
        }

        /**
         * Counters of a pool that never waited and expired nothing: the first release's form.
         *
         * @param created objects made by the factory
         * @param reused leases served by an idle object
         * @param dropped objects the pool let go of
         * @param idle objects waiting for reuse now
         * @param inUse objects leased now
         */
        public Stats(long created, long reused, long dropped, int idle, int inUse) {
            this(created, reused, dropped, idle, inUse, 0, 0, 0, 0, Duration.ZERO, Duration.ZERO);
        }
    }

    /**
     * Builds a {@link Pool} with options beyond the constructors'. Each setter checks its own
     * argument at once; {@link #build()} checks how they fit together.
     *
     * @param <T> the type of the pooled objects
     */
    public static final class Builder<T> {
        private final PoolEngine.Config<T> config = new PoolEngine.Config<>();

        private Builder(Supplier<? extends T> newObject) {
            config.newObject = Objects.requireNonNull(newObject, "newObject");
            config.maxWait = DEFAULT_MAX_WAIT;
            config.clock = Clock.systemUTC();
        }

        /**
         * @param maxSize how many idle objects to keep; 0 for no bound (default: the cap, or
         *     {@value Pool#DEFAULT_MAX_SIZE} without one)
         * @return this builder
         * @throws IllegalArgumentException if {@code maxSize} is negative
         */
        public Builder<T> maxSize(int maxSize) {
            config.maxSize = checkSize("maxSize", "no bound", maxSize);
            return this;
        }

        /**
         * @param maxTotal the most objects that may exist at once, in use and idle; 0 (the
         *     default) for no cap
         * @return this builder
         * @throws IllegalArgumentException if {@code maxTotal} is negative
         */
        public Builder<T> maxTotal(int maxTotal) {
            config.maxTotal = checkSize("maxTotal", "no cap", maxTotal);
            return this;
        }

        /**
         * @param maxWait how long {@link Pool#instance()} waits at the cap (default 30 seconds);
         *     zero: it does not wait
         * @return this builder
         * @throws NullPointerException if {@code maxWait} is null
         * @throws IllegalArgumentException if {@code maxWait} is negative
         */
        public Builder<T> maxWait(Duration maxWait) {
            config.maxWait = notNegative("maxWait", maxWait);
            return this;
        }

        /**
         * @param fair {@code true} (the default): waiters at the cap are served in arrival order,
         *     and a newcomer queues behind them; {@code false}: a newcomer takes an idle object at
         *     once, even when others wait (as HikariCP and Stormpot do), for throughput. In both
         *     modes every waiter is served or times out
         * @return this builder
         */
        public Builder<T> fair(boolean fair) {
            config.fair = fair;
            return this;
        }

        /**
         * @param disposer called with every object the pool lets go of, in the thread that lets go
         * @return this builder
         * @throws NullPointerException if {@code disposer} is null
         */
        public Builder<T> disposer(Consumer<? super T> disposer) {
            config.disposer = Objects.requireNonNull(disposer, "disposer");
            return this;
        }

        /**
         * @param validator tested on every returned object (and, with {@link #validateOnLease},
         *     on every idle object about to be leased); false or an exception means the object is
         *     disposed of instead of kept (the exception is logged as a warning, never thrown)
         * @return this builder
         * @throws NullPointerException if {@code validator} is null
         */
        public Builder<T> validator(Predicate<? super T> validator) {
            config.validator = Objects.requireNonNull(validator, "validator");
            return this;
        }

        /**
         * @param validateOnLease also test an idle object with the validator before it is handed
         *     out; an invalid one is disposed of and the borrower served another (default
         *     {@code false}; without a validator it does nothing). The background sweep checks
         *     only the expiration rule
         * @return this builder
         */
        public Builder<T> validateOnLease(boolean validateOnLease) {
            config.validateOnLease = validateOnLease;
            return this;
        }

        /**
         * Warns of leases held too long: a lease still held when {@code warning} has passed (by the
         * pool's {@link #clock(Clock)}), found while it is held, so also one never closed, logs one
         * warning naming the pool, the borrowing thread and how long, with the stack of the lease
         * (taken at each lease while this is set), commits a JFR event
         * {@code cs.resources.LongLease}, and counts once in {@link Stats#longLeases()}. Off unless
         * set. Leases are looked at every quarter of {@code warning} (at most every second).
         *
         * @param warning how long a lease may be held before it is reported
         * @return this builder
         * @throws NullPointerException if {@code warning} is null
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder<T> longLeaseWarning(Duration warning) {
            config.longLeaseWarning = positive("longLeaseWarning", warning);
            return this;
        }

        /**
         * @param on record hold times from the start ({@link Pool#recordHoldTimes(boolean)}); default off
         * @return this builder
         */
        public Builder<T> recordHoldTimes(boolean on) {
            config.recordHoldTimes = on;
            return this;
        }

        /**
         * @param name shown by {@link Pool#toString()}, in messages and by the OSGi runtime
         * @return this builder
         * @throws NullPointerException if {@code name} is null
         */
        public Builder<T> name(String name) {
            config.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * @param maxLifetime an idle object this old (since it was made) is expired
         * @return this builder
         * @throws NullPointerException if {@code maxLifetime} is null
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder<T> maxLifetime(Duration maxLifetime) {
            config.maxLifetime = positive("maxLifetime", maxLifetime);
            return this;
        }

        /**
         * @param maxIdleTime an object idle this long (since it was last returned, or made) is expired
         * @return this builder
         * @throws NullPointerException if {@code maxIdleTime} is null
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder<T> maxIdleTime(Duration maxIdleTime) {
            config.maxIdleTime = positive("maxIdleTime", maxIdleTime);
            return this;
        }

        /**
         * @param expiration true for an idle object that has expired; asked when the object is
         *     about to be leased again (and by the sweep), besides {@code maxLifetime} and
         *     {@code maxIdleTime}; an exception counts as true (and is logged)
         * @return this builder
         * @throws NullPointerException if {@code expiration} is null
         */
        public Builder<T> expiration(Predicate<? super PooledInfo> expiration) {
            config.expiration = Objects.requireNonNull(expiration, "expiration");
            return this;
        }

        /**
         * @param clock the time source of expiration and of long-lease warnings (default: the
         *     system clock, in UTC); read in milliseconds, only when one of them is set
         * @return this builder
         * @throws NullPointerException if {@code clock} is null
         */
        public Builder<T> clock(Clock clock) {
            config.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Lets go of expired idle objects in the background, every {@code interval}, on
         * {@code executor} (which the pool does not own: it only cancels its task at close).
         * Whatever the expiration rule or the disposer throws there is logged; the sweep goes on.
         *
         * @param interval the delay between two sweeps
         * @param executor runs the sweeps
         * @return this builder
         * @throws NullPointerException if an argument is null
         * @throws IllegalArgumentException if {@code interval} is zero or negative
         */
        public Builder<T> evictEvery(Duration interval, ScheduledExecutorService executor) {
            Duration checked = positive("evictEvery interval", Objects.requireNonNull(interval, "interval"));
            config.evictExecutor = Objects.requireNonNull(executor, "executor");
            config.evictInterval = checked;
            return this;
        }

        /**
         * @param prefill objects to make in the background as soon as the pool is built, kept idle
         * @return this builder
         * @throws IllegalArgumentException if {@code prefill} is negative
         */
        public Builder<T> prefill(int prefill) {
            if (prefill < 0) {
                throw new IllegalArgumentException("prefill must be 0 or positive, not " + prefill);
            }
            config.prefill = prefill;
            return this;
        }

        /** For tests: the number of thread cells (a power of two), instead of a few per processor. */
        Builder<T> cells(int count) {
            if (Integer.bitCount(count) != 1) {
                throw new IllegalArgumentException("cell count must be a power of two, not " + count);
            }
            config.cells = count;
            return this;
        }

        private static Duration notNegative(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative, not " + d);
            }
            return d;
        }

        private static Duration positive(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, not " + d);
            }
            return d;
        }

        /**
         * @return a new, open pool (its prefill, sweep and long-lease watch, if asked for, started)
         * @throws IllegalArgumentException if {@code maxSize} is above a non-zero {@code maxTotal},
         *     {@code prefill} above {@code maxTotal} or above the idle bound, or {@code evictEvery}
         *     was given without an expiration rule
         * @throws java.util.concurrent.RejectedExecutionException if the sweep's executor refuses it
         */
        public Pool<T> build() {
            PoolEngine.Config<T> c = config;
            if (c.maxTotal > 0 && c.maxSize > c.maxTotal) {
                throw new IllegalArgumentException("maxSize " + c.maxSize + " must not be above maxTotal " + c.maxTotal);
            }
            if (c.maxTotal > 0 && c.prefill > c.maxTotal) {
                throw new IllegalArgumentException("prefill " + c.prefill + " must not be above maxTotal " + c.maxTotal);
            }
            int idleBound = c.maxSize >= 0 ? c.maxSize : c.maxTotal > 0 ? c.maxTotal : DEFAULT_MAX_SIZE;
            if (idleBound > 0 && c.prefill > idleBound) {
                throw new IllegalArgumentException("prefill " + c.prefill + " must not be above the idle bound, maxSize "
                        + idleBound);
            }
            if (c.evictExecutor != null && c.maxLifetime == null && c.maxIdleTime == null && c.expiration == null) {
                throw new IllegalArgumentException("evictEvery(" + c.evictInterval
                        + ", ...) needs an expiration rule: maxLifetime, maxIdleTime or expiration");
            }
            return new Pool<>(this);
        }
    }
}
