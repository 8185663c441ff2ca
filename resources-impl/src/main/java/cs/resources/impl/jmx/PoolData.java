package cs.resources.impl.jmx;

import cs.resources.Pool;
import cs.resources.runtime.PoolInfo;
import javax.management.ConstructorParameters;

/**
 * A Pool service as JMX shows it (a {@code CompositeData} of these getters): {@link PoolInfo} and
 * its stats. Besides our own items, those that mean what an attribute of commons-pool2's
 * {@code GenericObjectPoolMXBean} means carry its name (decapitalised, as MXBean items are):
 * {@code numActive}, {@code numIdle}, {@code numWaiters}, {@code maxTotal}, {@code maxIdle},
 * {@code createdCount}, {@code destroyedCount}, {@code borrowedCount},
 * {@code maxBorrowWaitTimeMillis} and {@code meanBorrowWaitTimeMillis}, with its conventions: a
 * negative {@code maxTotal} or {@code maxIdle} means no limit (where {@code maxSize} says 0), and
 * the mean borrow wait is over every borrow, those that did not wait counting 0 (where
 * {@code meanWaitMillis} is over the borrowers that waited).
 */
public final class PoolData {
    private final long serviceId;
    private final String name;
    private final long bundleId;
    private final String bundle;
    private final int maxSize;
    private final int maxTotal;
    private final boolean closed;
    private final long created;
    private final long reused;
    private final long dropped;
    private final int idle;
    private final int inUse;
    private final long waits;
    private final long timeouts;
    private final long expired;
    private final int waiting;
    private final long longestWaitMillis;
    private final long meanWaitMillis;
    private final long longLeases;
    private final long waitP50Micros;
    private final long waitP99Micros;
    private final long waitP999Micros;
    private final long holdP50Micros;
    private final long holdP99Micros;
    private final long holdP999Micros;

    @ConstructorParameters({"serviceId", "name", "bundleId", "bundle", "maxSize", "maxTotal", "closed",
            "created", "reused", "dropped", "idle", "inUse", "waits", "timeouts", "expired", "waiting",
            "longestWaitMillis", "meanWaitMillis", "longLeases", "waitP50Micros", "waitP99Micros", "waitP999Micros",
            "holdP50Micros", "holdP99Micros", "holdP999Micros"})
    public PoolData(long serviceId, String name, long bundleId, String bundle, int maxSize, int maxTotal,
            boolean closed, long created, long reused, long dropped, int idle, int inUse, long waits,
            long timeouts, long expired, int waiting, long longestWaitMillis, long meanWaitMillis, long longLeases,
            long waitP50Micros, long waitP99Micros, long waitP999Micros, long holdP50Micros, long holdP99Micros,
            long holdP999Micros) {
        this.longLeases = longLeases;
        this.waitP50Micros = waitP50Micros;
        this.waitP99Micros = waitP99Micros;
        this.waitP999Micros = waitP999Micros;
        this.holdP50Micros = holdP50Micros;
        this.holdP99Micros = holdP99Micros;
        this.holdP999Micros = holdP999Micros;
        this.serviceId = serviceId;
        this.name = name;
        this.bundleId = bundleId;
        this.bundle = bundle;
        this.maxSize = maxSize;
        this.maxTotal = maxTotal;
        this.closed = closed;
        this.created = created;
        this.reused = reused;
        this.dropped = dropped;
        this.idle = idle;
        this.inUse = inUse;
        this.waits = waits;
        this.timeouts = timeouts;
        this.expired = expired;
        this.waiting = waiting;
        this.longestWaitMillis = longestWaitMillis;
        this.meanWaitMillis = meanWaitMillis;
    }

    static PoolData of(PoolInfo p) {
        Pool.Stats s = p.stats();
        return new PoolData(p.serviceId(), p.name(), p.bundleId(), p.bundle(), p.maxSize(), p.maxTotal() == 0 ? -1 : p.maxTotal(),
                p.closed(), s.created(), s.reused(), s.dropped(), s.idle(), s.inUse(), s.waits(), s.timeouts(),
                s.expired(), s.waiting(), s.longestWait().toMillis(), s.meanWait().toMillis(), s.longLeases(),
                micros(s.waitTimes(), s.waitTimes().p50()), micros(s.waitTimes(), s.waitTimes().p99()),
                micros(s.waitTimes(), s.waitTimes().p999()), micros(s.holdTimes(), s.holdTimes().p50()),
                micros(s.holdTimes(), s.holdTimes().p99()), micros(s.holdTimes(), s.holdTimes().p999()));
    }

    /** @return a percentile in microseconds; -1 when nothing was recorded */
    private static long micros(Pool.Times times, java.time.Duration d) {
        return times.count() == 0 ? -1 : d.toNanos() / 1000;
    }

    /** @return leases found held past the pool's long-lease warning */
    public long getLongLeases() {
        return longLeases;
    }

    /** @return the median wait at the cap, in microseconds; -1 before any wait */
    public long getWaitP50Micros() {
        return waitP50Micros;
    }

    /** @return the 99th percentile of the waits, in microseconds; -1 before any wait */
    public long getWaitP99Micros() {
        return waitP99Micros;
    }

    /** @return the 99.9th percentile of the waits, in microseconds; -1 before any wait */
    public long getWaitP999Micros() {
        return waitP999Micros;
    }

    /** @return the median time a lease was held, in microseconds; -1 unless the pool records hold times */
    public long getHoldP50Micros() {
        return holdP50Micros;
    }

    /** @return the 99th percentile of the hold times, in microseconds; -1 unless recorded */
    public long getHoldP99Micros() {
        return holdP99Micros;
    }

    /** @return the 99.9th percentile of the hold times, in microseconds; -1 unless recorded */
    public long getHoldP999Micros() {
        return holdP999Micros;
    }

    /** @return the service's {@code service.id} */
    public long getServiceId() {
        return serviceId;
    }

    /** @return the pool's name */
    public String getName() {
        return name;
    }

    /** @return the id of the bundle that registered it */
    public long getBundleId() {
        return bundleId;
    }

    /** @return that bundle's symbolic name */
    public String getBundle() {
        return bundle;
    }

    /** @return its bound on idle objects (0: none) */
    public int getMaxSize() {
        return maxSize;
    }

    /** @return its cap on the objects in existence; negative: none (commons-pool2's {@code MaxTotal}) */
    public int getMaxTotal() {
        return maxTotal;
    }

    /** @return the idle bound as commons-pool2's {@code MaxIdle} says it: negative for none */
    public int getMaxIdle() {
        return maxSize == 0 ? -1 : maxSize;
    }

    /** @return whether it is closed */
    public boolean isClosed() {
        return closed;
    }

    /** @return objects created */
    public long getCreated() {
        return created;
    }

    /** @return leases served by an idle object */
    public long getReused() {
        return reused;
    }

    /** @return objects not kept for reuse */
    public long getDropped() {
        return dropped;
    }

    /** @return objects waiting for reuse now */
    public int getIdle() {
        return idle;
    }

    /** @return objects leased now */
    public int getInUse() {
        return inUse;
    }

    /** @return borrowers that had to wait at the cap */
    public long getWaits() {
        return waits;
    }

    /** @return waits that ended without an object, and borrowers at the cap that would not wait */
    public long getTimeouts() {
        return timeouts;
    }

    /** @return objects let go of as expired */
    public long getExpired() {
        return expired;
    }

    /** @return borrowers waiting now */
    public int getWaiting() {
        return waiting;
    }

    /** @return the longest wait so far, in milliseconds */
    public long getLongestWaitMillis() {
        return longestWaitMillis;
    }

    /** @return the mean of the waits, in milliseconds */
    public long getMeanWaitMillis() {
        return meanWaitMillis;
    }

    /** @return commons-pool2's {@code NumActive}: objects leased now */
    public int getNumActive() {
        return inUse;
    }

    /** @return commons-pool2's {@code NumIdle}: objects idle now */
    public int getNumIdle() {
        return idle;
    }

    /** @return commons-pool2's {@code NumWaiters}: borrowers waiting now */
    public int getNumWaiters() {
        return waiting;
    }

    /** @return commons-pool2's {@code CreatedCount} */
    public long getCreatedCount() {
        return created;
    }

    /** @return commons-pool2's {@code DestroyedCount}: objects let go of */
    public long getDestroyedCount() {
        return dropped;
    }

    /** @return commons-pool2's {@code BorrowedCount}: leases so far */
    public long getBorrowedCount() {
        return created + reused;
    }

    /** @return commons-pool2's {@code MaxBorrowWaitTimeMillis}: the longest wait */
    public long getMaxBorrowWaitTimeMillis() {
        return longestWaitMillis;
    }

    /** @return commons-pool2's {@code MeanBorrowWaitTimeMillis}: the waits' total over every borrow */
    public long getMeanBorrowWaitTimeMillis() {
        long borrowed = created + reused;
        return borrowed == 0 ? 0 : meanWaitMillis * waits / borrowed;
    }
}
