package cs.resources.runtime;

import cs.resources.Pool;
import java.time.Duration;
import java.util.Objects;

/**
 * A Pool service as the runtime sees it, at one moment.
 *
 * @param serviceId the service's {@code service.id}
 * @param name {@link Pool#name()}
 * @param bundleId the id of the bundle that registered it
 * @param bundle that bundle's symbolic name
 * @param maxSize {@link Pool#maxSize()} (0: no idle bound)
 * @param maxTotal {@link Pool#maxTotal()} (0: no cap)
 * @param closed {@link Pool#isClosed()}
 * @param stats {@link Pool#stats()}: its counts, waits, timeouts, expired objects, long leases,
 *     and the wait and hold times as percentiles
 * @param fair {@link Pool#isFair()}
 * @param longLeaseWarning {@link Pool#longLeaseWarning()}; {@link Duration#ZERO} when off
 */
public record PoolInfo(long serviceId, String name, long bundleId, String bundle, int maxSize, int maxTotal, boolean closed,
        Pool.Stats stats, boolean fair, Duration longLeaseWarning) {

    /**
     * @param serviceId the service's {@code service.id}
     * @param name {@link Pool#name()}
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param maxSize {@link Pool#maxSize()} (0: no idle bound)
     * @param maxTotal {@link Pool#maxTotal()} (0: no cap)
     * @param closed {@link Pool#isClosed()}
     * @param stats {@link Pool#stats()}
     * @param fair {@link Pool#isFair()}
     * @param longLeaseWarning {@link Pool#longLeaseWarning()}; zero when off
     * @throws NullPointerException if a reference argument is null
     * @throws IllegalArgumentException if {@code longLeaseWarning} is negative
     */
    public PoolInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(longLeaseWarning, "longLeaseWarning");
        if (longLeaseWarning.isNegative()) {
            throw new IllegalArgumentException("longLeaseWarning must not be negative, not " + longLeaseWarning);
        }
    }

    /**
     * A fair pool without a long-lease warning: the second release's form.
     *
     * @param serviceId the service's {@code service.id}
     * @param name {@link Pool#name()}
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param maxSize {@link Pool#maxSize()} (0: no idle bound)
     * @param maxTotal {@link Pool#maxTotal()} (0: no cap)
     * @param closed {@link Pool#isClosed()}
     * @param stats {@link Pool#stats()}
     * @throws NullPointerException if a reference argument is null
     */
    public PoolInfo(long serviceId, String name, long bundleId, String bundle, int maxSize, int maxTotal, boolean closed,
            Pool.Stats stats) {
        this(serviceId, name, bundleId, bundle, maxSize, maxTotal, closed, stats, true, Duration.ZERO);
    }

    /**
     * A pool without a cap: the first release's form.
     *
     * @param serviceId the service's {@code service.id}
     * @param name {@link Pool#name()}
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param maxSize {@link Pool#maxSize()} (0: no idle bound)
     * @param closed {@link Pool#isClosed()}
     * @param stats {@link Pool#stats()}
     * @throws NullPointerException if a reference argument is null
     */
    public PoolInfo(long serviceId, String name, long bundleId, String bundle, int maxSize, boolean closed, Pool.Stats stats) {
        this(serviceId, name, bundleId, bundle, maxSize, 0, closed, stats);
    }

}
