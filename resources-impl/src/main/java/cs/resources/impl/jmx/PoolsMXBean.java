package cs.resources.impl.jmx;

import java.util.List;

/**
 * The Pool services and their statistics, as MBean {@value JmxComponent#POOLS}: one row per pool,
 * with its counts, its cap and waits, and the items of commons-pool2's {@code GenericObjectPoolMXBean}
 * that mean the same (see {@link PoolData}), and the operator's actions: resizing and evicting.
 */
public interface PoolsMXBean {

    /** @return the Pool services, by service id */
    List<PoolData> getPools();

    /**
     * Changes a pool's cap ({@code Pool.setMaxTotal}): an operator's action (admin only under
     * Karaf's JMX ACL).
     *
     * @param serviceId the pool's {@code service.id}
     * @param maxTotal the new cap; 0 for none
     * @return the pool after the change
     * @throws IllegalArgumentException if no pool has that id or the pool refused the value
     */
    PoolData setMaxTotal(long serviceId, int maxTotal);

    /**
     * Changes a pool's idle bound ({@code Pool.setMaxSize}).
     *
     * @param serviceId the pool's {@code service.id}
     * @param maxSize the new idle bound; 0 for none
     * @return the pool after the change
     * @throws IllegalArgumentException if no pool has that id or the pool refused the value
     */
    PoolData setMaxSize(long serviceId, int maxSize);

    /**
     * Replaces every object of a pool ({@code Pool.evictAll}).
     *
     * @param serviceId the pool's {@code service.id}
     * @return the pool after the eviction
     * @throws IllegalArgumentException if no pool has that id
     */
    PoolData evictAll(long serviceId);
}
