package cs.resources;

import static cs.resources.PoolCapacityTest.awaitWaiting;
import static cs.resources.PoolExpirationTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Black-box tests of the promises the third round made exact: the cap holds until the disposer
 * returned, whoever disposes; the background sweep survives whatever the rule or the disposer
 * throws; a waiter handed an expired object keeps its place; a racing second close of a lease runs
 * no user code; a throwing validator means "invalid". Each failed on the second round's pool.
 * Threads meet at latches; nothing waits for time.
 */
class PoolPromisesTest {

    static final Duration LONG = Duration.ofSeconds(30);

    record Thing(int id) {
    }

    private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_000_000));
    private final AtomicInteger made = new AtomicInteger();
    private final Supplier<Thing> factory = () -> new Thing(made.incrementAndGet());
    private final List<Thing> disposed = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        scheduler.shutdownNow();
        executor.shutdownNow();
        assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** A disposer that blocks on its first call until {@code release} opens, once {@code entered} is counted down. */
    private static <T> java.util.function.Consumer<T> slowOnce(List<T> disposed, CountDownLatch entered, CountDownLatch release) {
        AtomicInteger calls = new AtomicInteger();
        return t -> {
            if (calls.incrementAndGet() == 1) {
                entered.countDown();
                try {
                    release.await(LONG.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            disposed.add(t);
        };
    }

    // ------------------------------------------------------------------------- the cap is exact

    @Test
    void theCapHoldsWhileTheSweepDisposes() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Pool<Thing> pool = Pool.builder(factory).name("sweep-cap").clock(clock).maxTotal(1)
                .maxIdleTime(Duration.ofMillis(50)).evictEvery(Duration.ofMillis(5), scheduler)
                .disposer(slowOnce(disposed, entered, release)).build();
        Thing first;
        try (Pool.Lease<Thing> lease = pool.instance()) {
            first = lease.get();
        }
        clock.advance(Duration.ofSeconds(1));
        assertThat(entered.await(LONG.toSeconds(), TimeUnit.SECONDS)).as("the sweep disposes").isTrue();

        // The sweep is still in the disposer: the object counts against the cap.
        assertThat(pool.tryInstance()).as("a second object while the first is being disposed").isEmpty();
        assertThatThrownBy(() -> pool.instance(Duration.ZERO)).isInstanceOf(PoolTimeoutException.class);
        assertThat(made).hasValue(1);

        release.countDown();
        try (Pool.Lease<Thing> lease = pool.instance(LONG)) {
            assertThat(lease.get()).isNotEqualTo(first);
        }
        assertThat(disposed).containsExactly(first);
        assertThat(pool.stats().expired()).isEqualTo(1);
        pool.close();
    }

    @Test
    void theCapHoldsWhilePrefillDisposesAnObjectItCouldNotKeep() throws Exception {
        // The prefill's object comes when the idle objects are at the bound already: it is dropped.
        CountDownLatch inFactory = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        Supplier<Thing> slowFirst = () -> {
            int n = calls.incrementAndGet();
            if (n == 1) {
                inFactory.countDown();
                try {
                    finish.await(LONG.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new Thing(n);
        };
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Pool<Thing> pool = Pool.builder(slowFirst).name("prefill-cap").maxTotal(2).maxSize(1).prefill(1)
                .disposer(slowOnce(disposed, entered, release)).build();
        assertThat(inFactory.await(LONG.toSeconds(), TimeUnit.SECONDS)).as("the prefill makes its object").isTrue();
        Thing kept;
        try (Pool.Lease<Thing> lease = pool.instance()) { // the second place under the cap
            kept = lease.get();
        }
        finish.countDown(); // the prefilled object finds the idle bound reached
        assertThat(entered.await(LONG.toSeconds(), TimeUnit.SECONDS)).as("the prefill disposes").isTrue();

        // Two objects exist (one idle, one being disposed): the cap of 2 is reached.
        Pool.Lease<Thing> idle = pool.tryInstance().orElseThrow();
        assertThat(idle.get()).isEqualTo(kept);
        assertThat(pool.tryInstance()).as("a third object while the prefilled one is being disposed").isEmpty();
        release.countDown();
        await("the prefilled object disposed", () -> disposed.size() == 1);
        Pool.Lease<Thing> another = pool.instance(LONG);
        assertThat(another.get().id()).isEqualTo(3);
        idle.close();
        another.close();
        pool.close();
    }

    // ---------------------------------------------------------------- the sweep goes on, always

    @Test
    void aCheckedExceptionOrAnErrorFromTheRuleNeverStopsTheSweep() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        Throwable checked = new IOException("rule I/O");
        Throwable error = new AssertionError("rule error");
        try (PoolLog log = PoolLog.start()) {
            Pool<Thing> pool = Pool.builder(factory).name("rule-throws").clock(clock).maxSize(0)
                    .expiration(info -> {
                        int n = asked.incrementAndGet();
                        if (n == 1) {
                            PoolTest.sneakyThrow(checked);
                        }
                        if (n == 2) {
                            throw (AssertionError) error;
                        }
                        return true;
                    })
                    .evictEvery(Duration.ofMillis(2), scheduler).disposer(disposed::add).build();
            Thing a;
            try (Pool.Lease<Thing> lease = pool.instance()) {
                a = lease.get();
            }
            // The first sweep's rule throws the checked exception: counted as expired, logged.
            await("the first object swept", () -> disposed.contains(a));
            Thing b;
            try (Pool.Lease<Thing> lease = pool.instance()) {
                b = lease.get();
            }
            await("the second object swept", () -> disposed.contains(b));
            Thing c;
            try (Pool.Lease<Thing> lease = pool.instance()) {
                c = lease.get();
            }
            await("the third object swept", () -> disposed.contains(c));
            assertThat(pool.stats().expired()).isEqualTo(3);
            assertThat(log.thrown(Level.WARNING, pool)).contains(checked, error);
            pool.close();
        }
    }

    @Test
    void aCheckedExceptionOrAnErrorFromTheDisposerNeverStopsTheSweep() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Throwable checked = new IOException("disposer I/O");
        Throwable error = new AssertionError("disposer error");
        try (PoolLog log = PoolLog.start()) {
            Pool<Thing> pool = Pool.builder(factory).name("disposer-throws").clock(clock).maxSize(0)
                    .maxIdleTime(Duration.ofMinutes(1)).evictEvery(Duration.ofMillis(2), scheduler)
                    .disposer(t -> {
                        int n = calls.incrementAndGet();
                        disposed.add(t);
                        if (n == 1) {
                            PoolTest.sneakyThrow(checked);
                        }
                        if (n == 2) {
                            throw (AssertionError) error;
                        }
                    }).build();
            for (int i = 1; i <= 3; i++) {
                Thing t;
                try (Pool.Lease<Thing> lease = pool.instance()) {
                    t = lease.get();
                }
                clock.advance(Duration.ofMinutes(2));
                await("object " + i + " swept", () -> disposed.contains(t));
            }
            await("the counts", () -> pool.stats().expired() == 3);
            assertThat(pool.stats().idle()).isZero();
            assertThat(log.thrown(Level.WARNING, pool)).contains(checked, error);
            pool.close();
        }
    }

    // -------------------------------------------------------- an expired hand-off keeps the place

    @Test
    void aWaiterHandedAnExpiredObjectKeepsItsPlaceAtTheHead() throws Exception {
        Pool<Thing> pool = Pool.builder(factory).name("head").clock(clock).maxTotal(1)
                .maxLifetime(Duration.ofMinutes(1)).disposer(disposed::add).build();
        Pool.Lease<Thing> held = pool.instance();
        Future<Pool.Lease<Thing>> w1 = executor.submit(() -> pool.instance(LONG));
        awaitWaiting(pool, 1);
        Future<Pool.Lease<Thing>> w2 = executor.submit(() -> pool.instance(LONG));
        awaitWaiting(pool, 2);

        clock.advance(Duration.ofMinutes(2)); // the held object expires while out
        held.close();
        // W1 is handed the expired object, disposes of it and makes the next one itself.
        Pool.Lease<Thing> first = w1.get(LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(first.get().id()).isEqualTo(2);
        assertThat(w2.isDone()).isFalse();
        assertThat(pool.stats().waiting()).isEqualTo(1);
        assertThat(pool.stats().waits()).as("waits counted for 2 borrowers").isEqualTo(2);

        first.close();
        Pool.Lease<Thing> second = w2.get(LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(second.get().id()).isEqualTo(2);
        second.close();
        assertThat(pool.stats().waits()).isEqualTo(2);
        assertThat(pool.stats().timeouts()).isZero();
        assertThat(disposed).extracting(Thing::id).containsExactly(1);
        pool.close();
    }

    // ----------------------------------------------------------- a racing second close is harmless

    @Test
    void aRacingSecondCloseRunsNoValidatorAndReadsNoClock() throws Exception {
        AtomicInteger validations = new AtomicInteger();
        CountDownLatch inValidator = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        ManualClock counting = new ManualClock() {
            @Override
            public long millis() {
                reads.incrementAndGet();
                return super.millis();
            }
        };
        Pool<Thing> pool = Pool.builder(factory).name("double-close").clock(counting)
                .maxIdleTime(Duration.ofMinutes(1)).validator(t -> {
                    if (validations.incrementAndGet() == 1) {
                        inValidator.countDown();
                        try {
                            release.await(LONG.toSeconds(), TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return true;
                }).disposer(disposed::add).build();
        Pool.Lease<Thing> lease = pool.instance();
        Thing thing = lease.get();
        Future<?> firstClose = executor.submit(lease::close);
        assertThat(inValidator.await(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();

        int readsBefore = reads.get();
        lease.close(); // races the first close, which is still in the validator
        assertThat(validations).as("the second close ran the validator").hasValue(1);
        assertThat(reads).as("the second close read the clock").hasValue(readsBefore);

        release.countDown();
        firstClose.get(LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(pool.stats()).extracting(Pool.Stats::idle, Pool.Stats::inUse, Pool.Stats::dropped)
                .containsExactly(1, 0, 0L);
        try (Pool.Lease<Thing> again = pool.instance()) {
            assertThat(again.get()).isSameAs(thing);
            assertThat(pool.tryInstance().map(l -> {
                Thing other = l.get();
                l.close();
                return other;
            })).get().isNotEqualTo(thing);
        }
        assertThat(disposed).isEmpty();
        pool.close();
    }

    @Test
    void aRacingSecondCloseNeverDisposesOrValidatesTheNextBorrowersObject() throws Exception {
        // The stale closer of a validator that resets its object must not touch the next lease's.
        AtomicInteger validations = new AtomicInteger();
        CountDownLatch inValidator = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Pool<Thing> pool = Pool.builder(factory).name("stale-close").maxSize(1).validator(t -> {
            if (validations.incrementAndGet() == 1) {
                inValidator.countDown();
                try {
                    release.await(LONG.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return true;
        }).disposer(disposed::add).build();
        Pool.Lease<Thing> lease = pool.instance();
        Future<?> firstClose = executor.submit(lease::close);
        assertThat(inValidator.await(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThatCode(lease::close).doesNotThrowAnyException();
        assertThatCode(lease::close).doesNotThrowAnyException();
        release.countDown();
        firstClose.get(LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(validations).hasValue(1);
        assertThat(disposed).isEmpty();
        assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::idle, Pool.Stats::dropped)
                .containsExactly(1L, 1, 0L);
        pool.close();
    }

    // ------------------------------------------------------------ a throwing validator: invalid

    @Test
    void aThrowingValidatorMeansInvalidAndTheCloserSeesNothing() {
        RuntimeException boom = new IllegalStateException("validator failed");
        Exception checked = new IOException("validator I/O");
        AtomicInteger calls = new AtomicInteger();
        try (PoolLog log = PoolLog.start()) {
            Pool<Thing> pool = Pool.builder(factory).name("validator-throws").validator(t -> {
                int n = calls.incrementAndGet();
                if (n == 1) {
                    throw boom;
                }
                if (n == 2) {
                    PoolTest.sneakyThrow(checked);
                }
                return true;
            }).disposer(disposed::add).build();
            Pool.Lease<Thing> a = pool.instance();
            Pool.Lease<Thing> b = pool.instance();
            Thing ta = a.get();
            Thing tb = b.get();
            assertThatCode(a::close).doesNotThrowAnyException();
            assertThatCode(b::close).doesNotThrowAnyException();
            assertThat(disposed).containsExactly(ta, tb);
            assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::dropped, Pool.Stats::idle)
                    .containsExactly(2L, 2L, 0);
            assertThat(log.thrown(Level.WARNING, pool)).containsExactly(boom, checked);
            pool.close();
        }
    }
}
