package cs.resources.internal.pool;

import java.lang.ref.WeakReference;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The watch of long leases: one daemon thread for every pool that warns of them, started with the
 * first and ended 10 s after the last stopped. Each such pool looks at its leases every quarter of
 * its {@code longLeaseWarning} (at least every second, at most every 10 ms), so a lease is found
 * held while it is held, also one that is never closed. The task holds its pool weakly: a pool
 * nobody can reach any more is not kept alive by its watch, whose task then ends.
 */
final class LongLeases {

    private static final ReentrantLock LOCK = new ReentrantLock();
    /** Guarded by LOCK. */
    private static ScheduledThreadPoolExecutor scheduler;

    private LongLeases() {
    }

    /** @return how often a pool with this warning looks at its leases */
    static long periodNanos(long warningNanos) {
        return Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1), warningNanos / 4));
    }

    /** Starts watching {@code engine}'s leases. @return cancel it to stop */
    static ScheduledFuture<?> watch(PoolEngine<?> engine, long warningNanos) {
        WeakReference<PoolEngine<?>> ref = new WeakReference<>(engine);
        long period = periodNanos(warningNanos);
        Runnable task = () -> {
            PoolEngine<?> e = ref.get();
            if (e == null) {
                throw new IllegalStateException("the pool is gone"); // ends this periodic task
            }
            e.scanLongLeases();
        };
        LOCK.lock();
        try {
            if (scheduler == null) {
                scheduler = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "cs.resources-long-leases");
                    t.setDaemon(true);
                    return t;
                });
                scheduler.setRemoveOnCancelPolicy(true);
                scheduler.setKeepAliveTime(10, TimeUnit.SECONDS);
                scheduler.allowCoreThreadTimeOut(true);
            }
            return scheduler.scheduleWithFixedDelay(task, period, period, TimeUnit.NANOSECONDS);
        } finally {
            LOCK.unlock();
        }
    }
}
