package cs.resources.impl.jmx;

import java.util.List;

/** The Pool services and their statistics, as MBean {@value JmxComponent#POOLS}. */
public interface PoolsMXBean {

    /** @return the Pool services, by service id */
    List<PoolData> getPools();
}
