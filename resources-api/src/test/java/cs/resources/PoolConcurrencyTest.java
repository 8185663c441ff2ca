package cs.resources;

import java.time.Duration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Black-box tests of {@link Pool} under contention: exclusive ownership, consistent counters, and
 * exactly-once disposal when leases, discards and the pool's close race.
 */
class PoolConcurrencyTest {

    private static final int THREADS = 12;

    /** A pooled object that records who holds it and how often it was disposed of. */
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
    /** Every object the factory made. */
    private final Queue<Thing> made = new ConcurrentLinkedQueue<>();
    /** Problems seen inside worker threads, reported by the test thread. */
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stopExecutor() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private Thing make() {
        Thing thing = new Thing(ids.incrementAndGet());
        made.add(thing);
        return thing;
    }

    private void dispose(Thing thing) {
        if (thing.holder.get() != null) {
            violations.add(thing + " disposed while held by " + thing.holder.get());
        }
        thing.disposals.incrementAndGet();
    }

    /** Marks the leased object as held by this thread; records a violation if someone else has it. */
    private Thing take(Pool.Lease<Thing> lease) {
        Thing thing = lease.get();
        Thread me = Thread.currentThread();
        if (!thing.holder.compareAndSet(null, me)) {
            violations.add(thing + " leased to " + me.getName() + " while held by " + thing.holder.get());
        }
        if (thing.disposals.get() != 0) {
            violations.add(thing + " leased after it was disposed of");
        }
        return thing;
    }

    private void giveBack(Thing thing) {
        if (!thing.holder.compareAndSet(Thread.currentThread(), null)) {
            violations.add(thing + " was taken from " + Thread.currentThread().getName());
        }
    }

    /** Runs {@code body(worker index)} in {@code n} threads released together; rethrows failures. */
    private void runTogether(int n, Together.Worker body) throws Exception {
        Together.run(executor, n, body, Duration.ofSeconds(30));
    }

    /** Spins a little while holding an object, so that leases overlap. */
    private static void hold() {
        int spins = ThreadLocalRandom.current().nextInt(20);
        for (int i = 0; i < spins; i++) {
            Thread.onSpinWait();
        }
        if (ThreadLocalRandom.current().nextInt(64) == 0) {
            Thread.yield();
        }
    }

    private void assertDisposalsMatch(Pool<Thing> pool) {
        Pool.Stats stats = pool.stats();
        long disposedOnce = made.stream().filter(t -> t.disposals.get() == 1).count();
        List<Thing> disposedTwice = made.stream().filter(t -> t.disposals.get() > 1).toList();
        assertThat(disposedTwice).as("objects disposed more than once").isEmpty();
        assertThat(disposedOnce).as("disposed objects").isEqualTo(stats.dropped());
        assertThat((long) made.size()).as("objects made").isEqualTo(stats.created());
    }

    // ---------------------------------------------------------------------------------- tests

    @ParameterizedTest(name = "maxSize {0}")
    @ValueSource(ints = {1, 4, 0})
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anObjectIsNeverHeldByTwoBorrowers(int maxSize) throws Exception {
        Pool<Thing> pool = Pool.<Thing>builder(this::make).maxSize(maxSize).disposer(this::dispose).build();
        int rounds = 40_000;
        AtomicLong leases = new AtomicLong();

        runTogether(THREADS, index -> {
            for (int i = 0; i < rounds; i++) {
                try (Pool.Lease<Thing> lease = pool.instance()) {
                    Thing thing = take(lease);
                    hold();
                    if (lease.get() != thing) {
                        violations.add("lease.get() changed from " + thing + " to " + lease.get());
                    }
                    giveBack(thing);
                }
                leases.incrementAndGet();
            }
        });

        assertThat(violations).isEmpty();
        Pool.Stats stats = pool.stats();
        assertThat(stats.inUse()).isZero();
        assertThat(stats.created() - stats.dropped()).isEqualTo(stats.idle() + stats.inUse());
        if (maxSize > 0) {
            assertThat(stats.idle()).isLessThanOrEqualTo(maxSize);
        } else {
            assertThat(stats.dropped()).isZero();
        }
        assertThat(stats.reused() + stats.created()).isEqualTo(leases.get()).isEqualTo((long) THREADS * rounds);
        assertDisposalsMatch(pool);

        // The idle objects are distinct, live, and all of them come back out.
        List<Pool.Lease<Thing>> idle = new ArrayList<>();
        for (int i = 0; i < stats.idle(); i++) {
            idle.add(pool.instance());
        }
        assertThat(idle).extracting(Pool.Lease::get).doesNotHaveDuplicates()
                .allSatisfy(t -> assertThat(t.disposals).hasValue(0));
        assertThat(pool.stats().created()).isEqualTo(stats.created());
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void discardsAndAValidatorMixedIn() throws Exception {
        AtomicLong validations = new AtomicLong();
        Pool<Thing> pool = Pool.<Thing>builder(this::make).maxSize(3).disposer(this::dispose)
                .validator(t -> {
                    validations.incrementAndGet();
                    if (t.holder.get() != null) {
                        violations.add(t + " validated while held by " + t.holder.get());
                    }
                    return ThreadLocalRandom.current().nextInt(10) != 0;
                }).build();
        int rounds = 40_000;
        AtomicLong leases = new AtomicLong();
        AtomicLong discards = new AtomicLong();
        AtomicLong returns = new AtomicLong();

        runTogether(THREADS, index -> {
            for (int i = 0; i < rounds; i++) {
                Pool.Lease<Thing> lease = pool.instance();
                leases.incrementAndGet();
                Thing thing = take(lease);
                hold();
                giveBack(thing);
                if (ThreadLocalRandom.current().nextInt(10) == 0) {
                    lease.discard();
                    discards.incrementAndGet();
                } else {
                    lease.close();
                    returns.incrementAndGet();
                }
            }
        });

        assertThat(violations).isEmpty();
        Pool.Stats stats = pool.stats();
        assertThat(validations).hasValue(returns.get());
        assertThat(stats.inUse()).isZero();
        assertThat(stats.idle()).isLessThanOrEqualTo(3);
        assertThat(stats.created() - stats.dropped()).isEqualTo(stats.idle());
        assertThat(stats.dropped()).isGreaterThanOrEqualTo(discards.get());
        assertThat(stats.reused() + stats.created()).isEqualTo(leases.get()).isEqualTo((long) THREADS * rounds);
        assertDisposalsMatch(pool);
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void closingTheSameLeaseFromTwoThreadsReturnsItOnce() throws Exception {
        Pool<Thing> pool = Pool.<Thing>builder(this::make).maxSize(0).disposer(this::dispose).build();
        int rounds = 2_000;
        CyclicBarrier ready = new CyclicBarrier(3);
        CyclicBarrier done = new CyclicBarrier(3);
        AtomicReference<Pool.Lease<Thing>> shared = new AtomicReference<>();
        Callable<Void> closer = () -> {
            for (int i = 0; i < rounds; i++) {
                ready.await(10, TimeUnit.SECONDS);
                shared.get().close();
                done.await(10, TimeUnit.SECONDS);
            }
            return null;
        };
        Future<Void> first = executor.submit(closer);
        Future<Void> second = executor.submit(closer);

        for (int i = 0; i < rounds; i++) {
            Pool.Lease<Thing> lease = pool.instance();
            shared.set(lease);
            ready.await(10, TimeUnit.SECONDS);
            done.await(10, TimeUnit.SECONDS);

            Pool.Stats stats = pool.stats();
            assertThat(stats.idle()).as("round %d", i).isEqualTo(1);
            assertThat(stats.inUse()).as("round %d", i).isZero();
            // Two leases now get two different objects: the object went in only once.
            Pool.Lease<Thing> a = pool.instance();
            Pool.Lease<Thing> b = pool.instance();
            assertThat(a.get()).as("round %d", i).isNotSameAs(b.get());
            // Start every round with an empty pool.
            a.discard();
            b.discard();
        }
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertThat(pool.stats()).isEqualTo(new Pool.Stats(2L * rounds, rounds, 2L * rounds, 0, 0));
        assertDisposalsMatch(pool);
        assertThat(violations).isEmpty();
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // 60 rounds took over 30 s at a load of 25
    void closingTheSameLeasesFromTwoThreadsInLockstepReturnsEachOnce() throws Exception {
        int batch = 20_000;
        for (int round = 0; round < 30; round++) {
            made.clear();
            Pool<Thing> pool = Pool.<Thing>builder(this::make).maxSize(0).disposer(this::dispose).build();
            List<Pool.Lease<Thing>> leases = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                leases.add(pool.instance());
            }
            // Both threads close every lease, in the same order, so they keep colliding.
            runTogether(2, index -> {
                for (Pool.Lease<Thing> lease : leases) {
                    lease.close();
                }
            });

            assertThat(pool.stats()).as("round %d", round).isEqualTo(new Pool.Stats(batch, 0, 0, batch, 0));
            List<Pool.Lease<Thing>> again = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                again.add(pool.instance());
            }
            assertThat(again).extracting(Pool.Lease::get).as("round %d", round).doesNotHaveDuplicates();
            assertThat(pool.stats()).as("round %d", round).isEqualTo(new Pool.Stats(batch, batch, 0, 0, batch));
            try (Pool.Lease<Thing> extra = pool.instance()) {
                assertThat(pool.stats().created()).as("round %d: the idle stack is empty", round).isEqualTo(batch + 1);
                assertThat(again).extracting(Pool.Lease::get).doesNotContain(extra.get());
            }
            pool.close();
        }
        assertThat(violations).isEmpty();
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aLeaseReturnedWhilePoolCloseRunsIsDisposedNotLeftIdle() throws Exception {
        // The validator holds the return between "is the pool closed?" and "push it idle".
        CountDownLatch validating = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        Pool<Thing> pool = Pool.<Thing>builder(this::make).disposer(this::dispose).validator(t -> {
            validating.countDown();
            try {
                return proceed.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }).build();
        Pool.Lease<Thing> lease = pool.instance();
        Thing thing = lease.get();
        Future<Void> returning = executor.submit(() -> {
            lease.close();
            return null;
        });
        assertThat(validating.await(5, TimeUnit.SECONDS)).isTrue();
        pool.close();
        assertThat(thing.disposals).as("still being returned").hasValue(0);
        proceed.countDown();
        returning.get(5, TimeUnit.SECONDS);

        assertThat(thing.disposals).hasValue(1);
        assertThat(pool.stats()).isEqualTo(new Pool.Stats(1, 0, 1, 0, 0));
        assertThat(violations).isEmpty();
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theIdleStackStaysConsistentWhenBorrowersHoldSeveralObjects() throws Exception {
        // Hold two or three objects and return them in random orders: the pattern that breaks
        // a lock-free stack whose compare-and-set cannot tell a re-pushed top from the old one
        // (ABA). Few threads and few objects make it likely that a borrower preempted in the
        // middle of taking the top finds the same top back, with another object under it.
        Pool<Thing> pool = Pool.<Thing>builder(this::make).maxSize(0).disposer(this::dispose).build();
        int threads = 4;
        int rounds = 250_000;
        AtomicLong leases = new AtomicLong();
        runTogether(threads, index -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            List<Pool.Lease<Thing>> mine = new ArrayList<>(3);
            List<Thing> things = new ArrayList<>(3);
            for (int i = 0; i < rounds; i++) {
                int n = 2 + random.nextInt(2);
                for (int k = 0; k < n; k++) {
                    Pool.Lease<Thing> lease = pool.instance();
                    mine.add(lease);
                    things.add(take(lease));
                }
                leases.addAndGet(n);
                for (Thing thing : things) {
                    giveBack(thing);
                }
                things.clear();
                while (!mine.isEmpty()) {
                    mine.remove(random.nextInt(mine.size())).close();
                }
            }
        });
        assertThat(violations).isEmpty();
        Pool.Stats stats = pool.stats();
        assertThat(stats.inUse()).isZero();
        assertThat(stats.dropped()).isZero();
        assertThat((long) stats.idle()).isEqualTo(stats.created()).isLessThanOrEqualTo(threads * 3L);
        assertThat(stats.reused() + stats.created()).isEqualTo(leases.get());
        List<Pool.Lease<Thing>> all = new ArrayList<>();
        for (int i = 0; i < stats.idle(); i++) {
            all.add(pool.instance());
        }
        assertThat(all).extracting(Pool.Lease::get).doesNotHaveDuplicates();
        assertThat(pool.stats().created()).isEqualTo(stats.created());
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void discardRacingWithCloseOfTheSameLeaseEndsItOnce() throws Exception {
        Pool<Thing> pool = Pool.<Thing>builder(this::make).maxSize(0).disposer(this::dispose).build();
        int rounds = 2_000;
        CyclicBarrier ready = new CyclicBarrier(3);
        CyclicBarrier done = new CyclicBarrier(3);
        AtomicReference<Pool.Lease<Thing>> shared = new AtomicReference<>();
        AtomicInteger discardRefused = new AtomicInteger();
        Future<Void> closer = executor.submit(() -> {
            for (int i = 0; i < rounds; i++) {
                ready.await(10, TimeUnit.SECONDS);
                shared.get().close();
                done.await(10, TimeUnit.SECONDS);
            }
            return null;
        });
        Future<Void> discarder = executor.submit(() -> {
            for (int i = 0; i < rounds; i++) {
                ready.await(10, TimeUnit.SECONDS);
                try {
                    shared.get().discard();
                } catch (ClosedException e) {
                    discardRefused.incrementAndGet();
                }
                done.await(10, TimeUnit.SECONDS);
            }
            return null;
        });

        long expectedDropped = 0;
        for (int i = 0; i < rounds; i++) {
            int refusedBefore = discardRefused.get();
            Pool.Lease<Thing> lease = pool.instance();
            Thing thing = lease.get();
            shared.set(lease);
            ready.await(10, TimeUnit.SECONDS);
            done.await(10, TimeUnit.SECONDS);

            boolean discarded = discardRefused.get() == refusedBefore;
            if (discarded) {
                expectedDropped++;
            }
            assertThat(thing.disposals).as("round %d", i).hasValue(discarded ? 1 : 0);
            Pool.Stats stats = pool.stats();
            assertThat(stats.inUse()).as("round %d", i).isZero();
            assertThat(stats.dropped()).as("round %d", i).isEqualTo(expectedDropped);
        }
        closer.get(10, TimeUnit.SECONDS);
        discarder.get(10, TimeUnit.SECONDS);
        assertDisposalsMatch(pool);
        assertThat(violations).isEmpty();
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void closingThePoolWhileLeasesAreReturnedDisposesEveryObjectOnce() throws Exception {
        int rounds = 300;
        int workers = 4;
        int perWorker = 8;
        for (int round = 0; round < rounds; round++) {
            made.clear();
            Pool<Thing> pool = Pool.<Thing>builder(this::make).maxSize(round % 3 == 0 ? 0 : 5)
                    .disposer(this::dispose).build();
            List<List<Pool.Lease<Thing>>> held = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                List<Pool.Lease<Thing>> mine = new ArrayList<>();
                for (int i = 0; i < perWorker; i++) {
                    mine.add(pool.instance());
                }
                held.add(mine);
            }
            // Some idle objects before the race, too.
            for (int i = 0; i < 3; i++) {
                held.get(0).remove(0).close();
            }

            runTogether(workers + 1, index -> {
                if (index == workers) {
                    pool.close();
                } else {
                    for (Pool.Lease<Thing> lease : held.get(index)) {
                        lease.close();
                    }
                }
            });

            assertThat(made).as("round %d", round).hasSize(workers * perWorker)
                    .allSatisfy(t -> assertThat(t.disposals).as("disposals of %s", t).hasValue(1));
            assertThat(pool.stats()).as("round %d", round)
                    .isEqualTo(new Pool.Stats(workers * perWorker, 0, workers * perWorker, 0, 0));
        }
        assertThat(violations).isEmpty();
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void closingThePoolWhileBorrowersLeaseAndReturnDisposesEveryObjectOnce() throws Exception {
        int rounds = 200;
        int workers = 4;
        for (int round = 0; round < rounds; round++) {
            made.clear();
            Pool<Thing> pool = Pool.<Thing>builder(this::make).maxSize(2).disposer(this::dispose).build();
            AtomicInteger refused = new AtomicInteger();

            runTogether(workers + 1, index -> {
                if (index == workers) {
                    for (int i = 0; i < 50; i++) {
                        Thread.onSpinWait();
                    }
                    pool.close();
                    return;
                }
                for (;;) {
                    Pool.Lease<Thing> lease;
                    try {
                        lease = pool.instance();
                    } catch (ClosedException e) {
                        refused.incrementAndGet();
                        return;
                    }
                    Thing thing = take(lease);
                    hold();
                    giveBack(thing);
                    lease.close();
                }
            });

            assertThat(refused).hasValue(workers);
            assertThat(made).as("round %d", round)
                    .allSatisfy(t -> assertThat(t.disposals).as("disposals of %s", t).hasValue(1));
            Pool.Stats stats = pool.stats();
            assertThat(stats.idle()).isZero();
            assertThat(stats.inUse()).isZero();
            assertThat(stats.dropped()).isEqualTo(stats.created()).isEqualTo(made.size());
        }
        assertThat(violations).isEmpty();
    }
}
