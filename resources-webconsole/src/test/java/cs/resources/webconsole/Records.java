package cs.resources.webconsole;

import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The runtime's records for unit tests, made in one place: the records gain fields as the runtime
 * grows, and only this class follows. Pool statistics come from a real pool.
 */
public final class Records {
    private Records() {
    }

    public static RunStateInfo runState(long id, String name, RunState.State state, Instant started) {
        return new RunStateInfo(id, name, state, 7, "com.acme.tasks", started, Duration.ofMillis(3155),
                RunStateInfo.Source.TASK);
    }

    /** A RunState with progress {@code done} of {@code total}, an ETA, a parent (0: none) and children. */
    public static RunStateInfo runState(long id, String name, RunState.State state, Instant started, long done,
            long total, String message, Duration eta, long parentId, List<RunStateInfo> children) {
        return new RunStateInfo(id, name, state, 7, "com.acme.tasks", started, Duration.ofMillis(3155),
                RunStateInfo.Source.TASK, new RunState.Progress(done, total, message), eta, parentId, null, children);
    }

    public static MultiOpenInfo multiOpen(long serviceId, String className) {
        return new MultiOpenInfo(serviceId, className, 8, "com.acme.db", 2, MultiOpenInfo.Phase.OPEN);
    }

    /**
     * A MultiOpen service registered as {@code com.acme.Db}, held by two consumer bundles (2 and 1
     * opens), its phase and flags, and its last startup's failure (or null).
     */
    public static MultiOpenInfo multiOpen(long serviceId, String className, MultiOpenInfo.Phase phase, boolean registered,
            boolean retired, String lastStartupFailure) {
        return new MultiOpenInfo(serviceId, className, 8, "com.acme.db", 3, phase,
                List.of("com.acme.Db", "cs.resources.MultiOpen"),
                List.of(new MultiOpenInfo.ConsumerOpens(12, "com.acme.app", 2),
                        new MultiOpenInfo.ConsumerOpens(14, "com.acme.<web>", 1)),
                registered, retired, lastStartupFailure);
    }

    /** A pool capped at {@code cap} with all of them out and one borrower that gave up waiting. */
    public static PoolInfo cappedPool(long serviceId, String name, int cap) {
        Pool<Object> pool = Pool.builder(Object::new).name(name).maxTotal(cap).maxWait(Duration.ZERO).build();
        for (int i = 0; i < cap; i++) {
            pool.instance(); // never closed
        }
        try {
            pool.instance();
            throw new AssertionError("the pool gave more than its cap");
        } catch (cs.resources.PoolTimeoutException expected) {
            // counted: a wait (of zero) and a timeout
        }
        return new PoolInfo(serviceId, name, 9, "com.acme.pools", pool.maxSize(), pool.maxTotal(), pool.isClosed(),
                pool.stats());
    }

    /** A pool with {@code leased} objects out and one idle. */
    public static PoolInfo pool(long serviceId, String name, int leased) {
        Pool<Object> pool = Pool.builder(Object::new).name(name).maxSize(4).build();
        pool.instance().close();
        for (int i = 0; i < leased; i++) {
            pool.instance(); // never closed: counted in use
        }
        return new PoolInfo(serviceId, name, 9, "com.acme.pools", pool.maxSize(), pool.isClosed(), pool.stats());
    }
}
