package cs.resources.impl.jmx;

import cs.resources.runtime.PoolInfo;
import javax.management.ConstructorParameters;

/** A Pool service as JMX shows it (a {@code CompositeData} of these getters): {@link PoolInfo} and its stats. */
public final class PoolData {
    private final long serviceId;
    private final String name;
    private final long bundleId;
    private final String bundle;
    private final int maxSize;
    private final boolean closed;
    private final long created;
    private final long reused;
    private final long dropped;
    private final int idle;
    private final int inUse;

    @ConstructorParameters({"serviceId", "name", "bundleId", "bundle", "maxSize", "closed", "created", "reused",
            "dropped", "idle", "inUse"})
    public PoolData(long serviceId, String name, long bundleId, String bundle, int maxSize, boolean closed,
            long created, long reused, long dropped, int idle, int inUse) {
        this.serviceId = serviceId;
        this.name = name;
        this.bundleId = bundleId;
        this.bundle = bundle;
        this.maxSize = maxSize;
        this.closed = closed;
        this.created = created;
        this.reused = reused;
        this.dropped = dropped;
        this.idle = idle;
        this.inUse = inUse;
    }

    static PoolData of(PoolInfo p) {
        return new PoolData(p.serviceId(), p.name(), p.bundleId(), p.bundle(), p.maxSize(), p.closed(),
                p.stats().created(), p.stats().reused(), p.stats().dropped(), p.stats().idle(), p.stats().inUse());
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
}
