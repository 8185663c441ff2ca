package cs.resources.internal.pool;

import cs.resources.Pool;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The background work of a pool: the prefill (objects made ahead of demand, in a daemon
 * thread of its own that ends when done) and the sweep (expired idle objects let go of without a
 * borrower, every interval, on the user's scheduler). Both work through {@link Core} like a
 * borrower would: a place under the cap is reserved before each creation, an idle object is let go
 * of only if it is still idle with the state it had when it was checked.
 *
 * @param <T> the type of the pooled objects
 */
final class Upkeep<T> {

    private static final System.Logger LOG = System.getLogger(Pool.class.getName());

    private final PoolEngine<T> engine;
    /** The sweep's schedule; null without one. Written once, before the pool is handed out, or by stop(). */
    private volatile ScheduledFuture<?> sweep;
    /** Set by stop(): the prefill ends. */
    private volatile boolean stopped;

    Upkeep(PoolEngine<T> engine) {
        this.engine = engine;
    }

    /** Starts a daemon thread that makes {@code n} idle objects, or fewer if the pool fills or closes first. */
    void startPrefill(int n) {
        Thread t = new Thread(() -> prefill(n), "cs.resources-prefill-" + engine.name);
        t.setDaemon(true);
        t.start();
    }

    void prefill(int n) {
        for (int i = 0; i < n && !stopped; i++) {
            if (!engine.core.reserveForPrefill()) {
                return;
            }
            T object;
            try {
                object = engine.make();
                if (object == null) {
                    throw new NullPointerException("the factory of " + engine.label + " returned null");
                }
            } catch (Throwable e) {
                // Throwable: a checked exception from a Kotlin factory ends the prefill the same way.
                engine.core.creationFailed();
                LOG.log(Level.WARNING, "prefill of " + engine.label + " stopped after " + i + " of " + n
                        + " objects: the factory threw", e);
                if (e instanceof Error error) {
                    throw error;
                }
                return;
            }
            Slot<T> dropped = engine.core.addPrefilled(object, engine.expiry.now());
            if (dropped != null) {
                engine.disposeLogged(dropped);
                engine.core.retire(dropped, false); // its room is free once it is gone
            }
        }
    }

    /** Schedules the sweep. @throws RejectedExecutionException if the executor refuses it */
    void scheduleSweep(Duration interval, ScheduledExecutorService executor) {
        long nanos = Core.nanos(interval);
        sweep = executor.scheduleWithFixedDelay(this::sweepSafely, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    private void sweepSafely() {
        try {
            sweep();
        } catch (Throwable e) {
            // A scheduled task that throws is never run again: whatever it is, log it and go on.
            LOG.log(Level.WARNING, "the expiration sweep of " + engine.label + " failed", e);
        }
    }

    /** Lets go of every idle object found expired. @return how many */
    int sweep() {
        int evicted = 0;
        for (Object[] entry : engine.core.idleSnapshot()) {
            @SuppressWarnings("unchecked")
            Slot<T> s = (Slot<T>) entry[0];
            long state = (Long) entry[1];
            boolean expired;
            try {
                expired = engine.expiry.expired(s, engine.expiry.clock.millis(), false);
            } catch (Throwable e) {
                // Throwable: checked exceptions (Kotlin, @SneakyThrows) and errors never stop the sweep.
                LOG.log(Level.WARNING, "the expiration check of " + engine.label + " threw; the object is disposed of as expired", e);
                expired = true;
            }
            if (expired && engine.core.evict(s, state)) {
                evicted++;
                // It counts against the cap until its disposer has returned.
                engine.disposeLogged(s);
                engine.core.retire(s, true);
            }
        }
        return evicted;
    }

    void stop() {
        stopped = true;
        ScheduledFuture<?> s = sweep;
        if (s != null) {
            s.cancel(false);
        }
    }
}
