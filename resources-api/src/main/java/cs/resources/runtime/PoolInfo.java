package cs.resources.runtime;

import cs.resources.Pool;
import java.util.Objects;

/**
 * A Pool service as the runtime sees it, at one moment.
 *
 * @param serviceId the service's {@code service.id}
 * @param name {@link Pool#name()}
 * @param bundleId the id of the bundle that registered it
 * @param bundle that bundle's symbolic name
 * @param maxSize {@link Pool#maxSize()} (0: no idle bound)
 * @param closed {@link Pool#isClosed()}
 * @param stats {@link Pool#stats()}
 */
public record PoolInfo(long serviceId, String name, long bundleId, String bundle, int maxSize, boolean closed, Pool.Stats stats) {

    /**
     * @param serviceId the service's {@code service.id}
     * @param name {@link Pool#name()}
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param maxSize {@link Pool#maxSize()} (0: no idle bound)
     * @param closed {@link Pool#isClosed()}
     * @param stats {@link Pool#stats()}
     * @throws NullPointerException if a reference argument is null
     */
    public PoolInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(stats, "stats");
    }
}
