package cs.resources.impl.jmx;

import java.util.List;

/**
 * The Pool services and their statistics, as MBean {@value JmxComponent#POOLS}: one row per pool,
 * with its counts, its cap and waits, and the items of commons-pool2's {@code GenericObjectPoolMXBean}
 * that mean the same (see {@link PoolData}).
 */
public interface PoolsMXBean {

    /** @return the Pool services, by service id */
    List<PoolData> getPools();
}
