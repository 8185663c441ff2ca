package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The operator's controls racing leases: {@code evictAll} and {@code setMaxTotal} while borrowers
 * lease and return, and a pool with {@code fair(false)} at its cap. Each object records who holds
 * it, so one leased twice at once is caught; the factory and the disposer count the objects alive
 * (an object counts until its disposer has returned), so the cap is checked at every instant.
 */
class PoolControlsConcurrencyTest {

    static final int WORKERS = 4;

    static final class Thing {
        final int id;
        final AtomicReference<Thread> holder = new AtomicReference<>();
        final AtomicInteger disposals = new AtomicInteger();

        Thing(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "Thing#" + id;
        }
    }

    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicInteger mostAlive = new AtomicInteger();
    private final AtomicInteger disposed = new AtomicInteger();
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private Thing make() {
        int now = alive.incrementAndGet();
        mostAlive.accumulateAndGet(now, Math::max);
        return new Thing(ids.incrementAndGet());
    }

    private void dispose(Thing t) {
        if (t.disposals.incrementAndGet() != 1) {
            violations.add(t + " disposed of twice");
        }
        if (t.holder.get() != null) {
            violations.add(t + " disposed of while " + t.holder.get().getName() + " holds it");
        }
        disposed.incrementAndGet();
        alive.decrementAndGet(); // last: it counts against the cap until the disposer returned
    }

    /** Leases, checks that nobody else holds the object and that it is not disposed of, holds it briefly, returns it. */
    private void use(Pool<Thing> pool, Duration timeout) {
        Pool.Lease<Thing> lease;
        try {
            lease = pool.instance(timeout);
        } catch (PoolTimeoutException e) {
            return; // a timeout under contention is allowed; a double lease is not
        }
        Thing t = lease.get();
        if (!t.holder.compareAndSet(null, Thread.currentThread())) {
            violations.add(t + " leased by " + Thread.currentThread().getName() + " while " + t.holder.get().getName()
                    + " holds it");
        }
        if (t.disposals.get() != 0) {
            violations.add(t + " leased after it was disposed of");
        }
        Thread.onSpinWait();
        t.holder.set(null);
        lease.close();
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void evictAllRacingLeasesNeverLetsTwoObjectsLiveUnderACapOfOne() throws Exception {
        Pool<Thing> pool = Pool.builder(this::make).name("evict-race").maxTotal(1).disposer(this::dispose).build();
        AtomicBoolean running = new AtomicBoolean(true);
        Together.run(executor, WORKERS + 1, index -> {
            if (index == WORKERS) {
                for (int i = 0; i < 2_000; i++) {
                    pool.evictAll();
                    pool.setMaxTotal(1);
                    Thread.yield();
                }
                running.set(false);
                return;
            }
            while (running.get()) {
                use(pool, Duration.ofSeconds(10));
            }
        }, Duration.ofSeconds(100));
        assertThat(violations).isEmpty();
        assertThat(mostAlive).as("objects alive at once under a cap of 1").hasValueLessThanOrEqualTo(1);
        Pool.Stats stats = pool.stats();
        assertThat(stats.created() - stats.dropped()).isEqualTo(alive.get()).isLessThanOrEqualTo(1);
        assertThat(stats.dropped()).isEqualTo(disposed.get());
        assertThat(stats.inUse()).isZero();
        pool.close();
        assertThat(pool.awaitClosed(Duration.ofSeconds(10))).isTrue();
        assertThat(alive).hasValue(0);
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void setMaxTotalRacingLeasesKeepsEveryCapItSets() throws Exception {
        Pool<Thing> pool = Pool.builder(this::make).name("resize-race").maxTotal(3).disposer(this::dispose).build();
        AtomicBoolean running = new AtomicBoolean(true);
        Together.run(executor, WORKERS + 1, index -> {
            if (index == WORKERS) {
                for (int i = 0; i < 2_000; i++) {
                    pool.setMaxTotal(1 + i % 3);
                    Thread.yield();
                }
                pool.setMaxTotal(1);
                running.set(false);
                return;
            }
            while (running.get()) {
                use(pool, Duration.ofSeconds(10));
            }
        }, Duration.ofSeconds(100));
        assertThat(violations).isEmpty();
        assertThat(mostAlive).as("never above the largest cap set").hasValueLessThanOrEqualTo(3);
        // Every lease is back: the pool is within the last cap, 1.
        Pool.Stats stats = pool.stats();
        assertThat(alive.get()).isLessThanOrEqualTo(1);
        assertThat(stats.created() - stats.dropped()).isEqualTo(alive.get());
        assertThat(stats.idle()).isLessThanOrEqualTo(1);
        assertThat(stats.dropped()).isEqualTo(disposed.get());
        pool.close();
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anUnfairPoolAtItsCapServesOrTimesOutEveryWaiterAndLeasesNothingTwice() throws Exception {
        Pool<Thing> pool = Pool.builder(this::make).name("unfair").maxTotal(2).fair(false).disposer(this::dispose)
                .build();
        assertThat(pool.isFair()).isFalse();
        Together.run(executor, WORKERS, index -> {
            for (int i = 0; i < 5_000; i++) {
                use(pool, Duration.ofMillis(50));
            }
        }, Duration.ofSeconds(100));
        assertThat(violations).isEmpty();
        assertThat(mostAlive).hasValueLessThanOrEqualTo(2);
        Pool.Stats stats = pool.stats();
        assertThat(stats.waiting()).as("no waiter left behind").isZero();
        assertThat(stats.inUse()).isZero();
        assertThat(stats.created()).isLessThanOrEqualTo(2);
        assertThat(stats.reused() + stats.created() + stats.timeouts()).as("each call was served or timed out")
                .isGreaterThanOrEqualTo(WORKERS * 5_000L);
        pool.close();
    }
}
