package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Pool}'s new paths under contention: the cap, waiters with timeouts racing returns and
 * close, and expiration racing leases. Each object records who holds it, so that one leased twice
 * at once is caught; the factory and the disposer count the objects alive, so that the cap is
 * checked at every instant, not only at the end.
 */
class PoolCapConcurrencyTest {

    static final int THREADS = 8;

    static final class Thing {
        final int id;
        final long bornAt;
        /**
         * The clock at its first lease (its creator's): the pool stamps its creation after the
         * factory returns, at {@link #bornAt} or later (the clock may move in between), and before
         * that lease, so its age is at least what this gives, never less.
         */
        final java.util.concurrent.atomic.AtomicLong firstLeasedAt = new java.util.concurrent.atomic.AtomicLong(-1);
        final AtomicReference<Thread> holder = new AtomicReference<>();
        final AtomicInteger disposals = new AtomicInteger();

        Thing(int id, long bornAt) {
            this.id = id;
            this.bornAt = bornAt;
        }

        @Override
        public String toString() {
            return "Thing#" + id;
        }
    }


    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicInteger mostAlive = new AtomicInteger();
    private final Queue<Thing> made = new ConcurrentLinkedQueue<>();
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final ManualClock clock = new ManualClock();

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private Thing make() {
        int now = alive.incrementAndGet();
        mostAlive.accumulateAndGet(now, Math::max);
        Thing t = new Thing(ids.incrementAndGet(), clock.millis());
        made.add(t);
        return t;
    }

    private void dispose(Thing t) {
        if (t.holder.get() != null) {
            violations.add(t + " disposed while held by " + t.holder.get());
        }
        if (t.disposals.incrementAndGet() != 1) {
            violations.add(t + " disposed twice");
        }
        alive.decrementAndGet();
    }

    private Thing take(Pool.Lease<Thing> lease) {
        Thing t = lease.get();
        t.firstLeasedAt.compareAndSet(-1, clock.millis());
        if (!t.holder.compareAndSet(null, Thread.currentThread())) {
            violations.add(t + " leased to " + Thread.currentThread().getName() + " while held by " + t.holder.get());
        }
        if (t.disposals.get() != 0) {
            violations.add(t + " leased after it was disposed of");
        }
        return t;
    }

    private void giveBack(Thing t) {
        if (!t.holder.compareAndSet(Thread.currentThread(), null)) {
            violations.add(t + " was taken from " + Thread.currentThread().getName());
        }
    }

    private static void hold() {
        int spins = ThreadLocalRandom.current().nextInt(50);
        for (int i = 0; i < spins; i++) {
            Thread.onSpinWait();
        }
        if (ThreadLocalRandom.current().nextInt(16) == 0) {
            Thread.yield();
        }
    }

    /** Runs {@code body(worker index)} in {@code n} threads released together; rethrows failures. */
    private void runTogether(int n, Together.Worker body) throws Exception {
        Together.run(executor, n, body, Duration.ofSeconds(60));
    }

    private void assertDisposedOnceEach(Pool<Thing> pool) {
        Pool.Stats stats = pool.stats();
        assertThat(made).hasSize((int) stats.created());
        assertThat(made.stream().filter(t -> t.disposals.get() == 1).count()).isEqualTo(stats.dropped());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theCapHoldsAtEveryInstantWhileBorrowersWaitDiscardAndTimeOut() throws Exception {
        int cap = 3;
        Pool<Thing> pool = Pool.<Thing>builder(this::make).maxTotal(cap).disposer(this::dispose).build();
        AtomicLong leases = new AtomicLong();
        AtomicLong timeouts = new AtomicLong();
        runTogether(THREADS, index -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 5_000; i++) {
                Pool.Lease<Thing> lease;
                try {
                    lease = random.nextInt(4) == 0 ? pool.instance(Duration.ofNanos(random.nextInt(20_000)))
                            : pool.instance(Duration.ofSeconds(20));
                } catch (PoolTimeoutException e) {
                    timeouts.incrementAndGet();
                    continue;
                }
                leases.incrementAndGet();
                Thing t = take(lease);
                hold();
                giveBack(t);
                if (random.nextInt(20) == 0) {
                    lease.discard();
                } else {
                    lease.close();
                }
            }
        });
        assertThat(violations).isEmpty();
        assertThat(mostAlive.get()).as("objects alive at once").isLessThanOrEqualTo(cap);
        Pool.Stats stats = pool.stats();
        assertThat(stats.created() - stats.dropped()).isLessThanOrEqualTo(cap).isEqualTo(stats.idle());
        assertThat(stats.inUse()).isZero();
        assertThat(stats.waiting()).isZero();
        assertThat(stats.timeouts()).isEqualTo(timeouts.get());
        assertThat(stats.created() + stats.reused()).isEqualTo(leases.get());
        assertDisposedOnceEach(pool);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void waitersRacingReturnsAndCloseAllEndAndNothingIsLost() throws Exception {
        for (int round = 0; round < 50; round++) {
            made.clear();
            Pool<Thing> pool = Pool.<Thing>builder(this::make).maxTotal(2).disposer(this::dispose).build();
            AtomicInteger ended = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            runTogether(THREADS + 1, index -> {
                if (index == THREADS) {
                    while (pool.stats().waits() < 20 && !stop.get()) {
                        Thread.onSpinWait();
                    }
                    pool.close();
                    return;
                }
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (;;) {
                    Pool.Lease<Thing> lease;
                    try {
                        lease = pool.instance(Duration.ofNanos(random.nextInt(200_000)));
                    } catch (PoolTimeoutException e) {
                        continue;
                    } catch (ClosedException e) {
                        ended.incrementAndGet();
                        return;
                    }
                    Thing t = take(lease);
                    hold();
                    giveBack(t);
                    lease.close();
                }
            });
            stop.set(true);
            assertThat(ended).hasValue(THREADS);
            assertThat(violations).as("round %d", round).isEmpty();
            Pool.Stats stats = pool.stats();
            assertThat(stats.waiting()).as("round %d", round).isZero();
            assertThat(stats.idle() + stats.inUse()).as("round %d", round).isZero();
            assertThat(stats.dropped()).as("round %d", round).isEqualTo(stats.created());
            assertThat(alive).as("round %d", round).hasValue(0);
            assertDisposedOnceEach(pool);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void expirationRacingLeasesNeverHandsOutAnObjectThatHadExpiredWhenTheLeaseBegan() throws Exception {
        long lifetime = 5;
        Pool<Thing> pool = Pool.<Thing>builder(this::make).maxTotal(4).maxLifetime(Duration.ofMillis(lifetime))
                .clock(clock).disposer(this::dispose).build();
        runTogether(THREADS, index -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 5_000; i++) {
                if (index == 0 && random.nextInt(8) == 0) {
                    clock.advance(Duration.ofMillis(1)); // time passes, in one thread, racing the others
                }
                long before = clock.millis();
                try (Pool.Lease<Thing> lease = pool.instance(Duration.ofSeconds(20))) {
                    Thing t = take(lease);
                    // Expired for certain: older than the lifetime even counted from its first lease
                    // (counted from bornAt, an object made at 122, stamped by the pool at 123 after
                    // the clock moved, and leased at 127 was a false alarm: 4 ms old to the pool).
                    if (before - t.firstLeasedAt.get() >= lifetime) {
                        violations.add(t + " born at " + t.bornAt + ", first leased at " + t.firstLeasedAt.get()
                                + ", leased at " + before + ": expired");
                    }
                    hold();
                    giveBack(t);
                }
            }
        });
        assertThat(violations).isEmpty();
        Pool.Stats stats = pool.stats();
        assertThat(stats.expired()).isPositive();
        assertThat(stats.dropped()).isEqualTo(stats.expired());
        assertThat(stats.created() - stats.dropped()).isEqualTo(stats.idle()).isLessThanOrEqualTo(4);
        assertThat(mostAlive.get()).isLessThanOrEqualTo(4);
        assertDisposedOnceEach(pool);
    }
}
