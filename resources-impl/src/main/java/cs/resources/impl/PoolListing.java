package cs.resources.impl;

import static cs.resources.impl.ServiceReader.name;
import static cs.resources.impl.ServiceReader.references;
import static cs.resources.impl.ServiceReader.serviceId;

import cs.resources.LeakDetection;
import cs.resources.Pool;
import cs.resources.runtime.PoolInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The pool listing: every {@link Pool} service (the whiteboard) with its sizes and statistics,
 * read by {@link ServiceReader}'s rules (a pool that may not be got without side effects is not
 * listed).
 *
 * <p>Thread-safe: it keeps nothing but a {@link ServiceTracker} of references.
 */
final class PoolListing {

    private final ServiceReader reader;
    @SuppressWarnings("rawtypes")
    private final ServiceTracker<Pool, ServiceReference<Pool>> services;

    PoolListing(ServiceReader reader) {
        this.reader = reader;
        services = new ServiceTracker<>(reader.context(), Pool.class, new ServiceReader.ByReference<>());
    }

    void open() {
        services.open();
    }

    void close() {
        services.close();
    }

    List<PoolInfo> pools() {
        Map<Long, PoolInfo> byId = new TreeMap<>();
        for (@SuppressWarnings("rawtypes") ServiceReference<Pool> ref : references(services)) {
            Bundle b = ref.getBundle();
            if (b == null) {
                continue;
            }
            PoolInfo info = reader.read(ref, pool -> info(serviceId(ref), pool, b));
            if (info != null) {
                byId.put(info.serviceId(), info);
            }
        }
        return List.copyOf(byId.values());
    }

    /** Builds what the runtime shows of a pool: the one place that reads a pool for it. */
    private static PoolInfo info(long serviceId, Pool<?> pool, Bundle b) {
        return new PoolInfo(serviceId, pool.name(), b.getBundleId(), name(b), pool.maxSize(), pool.maxTotal(),
                pool.isClosed(), pool.stats(), pool.isFair(), pool.longLeaseWarning().orElse(Duration.ZERO));
    }

    /**
     * An operator's action on the pool with {@code serviceId} (got and released as a listing reads
     * it: a pool that may not be got without side effects is not acted on).
     *
     * @param what the action, for messages
     * @return the pool as it is after the action
     * @throws IllegalArgumentException if no Pool service has that id, or it may not be got
     */
    PoolInfo act(long serviceId, String what, Consumer<Pool<?>> action) {
        for (@SuppressWarnings("rawtypes") ServiceReference<Pool> ref : references(services)) {
            Bundle b = ref.getBundle();
            if (serviceId(ref) != serviceId || b == null) {
                continue;
            }
            PoolInfo info = reader.read(ref, pool -> {
                action.accept(pool);
                return info(serviceId, pool, b);
            });
            if (info == null) {
                throw new IllegalArgumentException(what + ": the Pool service " + serviceId
                        + " cannot be reached now (its component is not active, or it is gone)");
            }
            return info;
        }
        throw new IllegalArgumentException(what + ": no Pool service has the id " + serviceId);
    }

    /** @return who holds leases of the pool with {@code serviceId}; empty if no pool has that id */
    Optional<List<LeakDetection.Holder>> holders(long serviceId) {
        for (@SuppressWarnings("rawtypes") ServiceReference<Pool> ref : references(services)) {
            if (serviceId(ref) == serviceId) {
                List<LeakDetection.Holder> held = reader.read(ref, LeakDetection::holders);
                return Optional.of(held != null ? held : List.of());
            }
        }
        return Optional.empty();
    }
}
