package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Black-box tests of {@link Pool}'s expiration ({@code maxLifetime}, {@code maxIdleTime}, an
 * expiration rule, the background sweep) and prefill, on a clock the test moves.
 */
class PoolExpirationTest {


    record Thing(int id) {
    }

    private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_000_000));
    private final AtomicInteger made = new AtomicInteger();
    private final Supplier<Thing> factory = () -> new Thing(made.incrementAndGet());
    private final List<Thing> disposed = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void stop() throws InterruptedException {
        scheduler.shutdownNow();
        assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private Pool.Builder<Thing> builder() {
        return Pool.builder(factory).name("aging").clock(clock).disposer(disposed::add);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    private static Thing leaseAndReturn(Pool<Thing> pool) {
        try (Pool.Lease<Thing> lease = pool.instance()) {
            return lease.get();
        }
    }

    @Test
    void anObjectPastItsLifetimeIsDisposedOfInsteadOfLeased() {
        Pool<Thing> pool = builder().maxLifetime(Duration.ofMinutes(10)).build();
        Thing first = leaseAndReturn(pool);
        clock.advance(Duration.ofMinutes(9));
        assertThat(leaseAndReturn(pool)).as("younger than its lifetime: reused").isSameAs(first);
        clock.advance(Duration.ofMinutes(1));
        Thing second = leaseAndReturn(pool);
        assertThat(second).as("10 minutes old: expired").isNotSameAs(first);
        assertThat(disposed).containsExactly(first);
        assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::reused, Pool.Stats::dropped,
                Pool.Stats::expired, Pool.Stats::idle).containsExactly(2L, 1L, 1L, 1L, 1);
    }

    @Test
    void anObjectIdleTooLongExpiresButOneInUseDoesNot() {
        Pool<Thing> pool = builder().maxIdleTime(Duration.ofSeconds(30)).build();
        Pool.Lease<Thing> lease = pool.instance();
        Thing thing = lease.get();
        clock.advance(Duration.ofMinutes(5)); // in use all that time
        lease.close();
        clock.advance(Duration.ofSeconds(29));
        assertThat(leaseAndReturn(pool)).isSameAs(thing);
        clock.advance(Duration.ofSeconds(30));
        assertThat(leaseAndReturn(pool)).isNotSameAs(thing);
        assertThat(pool.stats().expired()).isEqualTo(1);
        assertThat(disposed).containsExactly(thing);
    }

    @Test
    void anExpirationRuleSeesTheAgeTheIdleTimeAndTheLeaseCount() {
        List<String> seen = new ArrayList<>();
        Pool<Thing> pool = builder().expiration(info -> {
            seen.add(info.age().toSeconds() + "s " + info.idleTime().toSeconds() + "s " + info.leaseCount());
            return info.leaseCount() >= 3;
        }).build();
        Pool.Lease<Thing> lease = pool.instance();
        Thing thing = lease.get();
        clock.advance(Duration.ofSeconds(10));
        lease.close();
        clock.advance(Duration.ofSeconds(5));
        leaseAndReturn(pool);
        leaseAndReturn(pool);
        assertThat(leaseAndReturn(pool)).as("after 3 leases: expired").isNotSameAs(thing);
        assertThat(seen).containsExactly("15s 5s 1", "15s 0s 2", "15s 0s 3");
        assertThat(pool.stats().expired()).isEqualTo(1);
    }

    @Test
    void aRuleThatThrowsCountsAsExpiredAndTheBorrowerGetsAnotherObject() {
        AtomicInteger calls = new AtomicInteger();
        Pool<Thing> pool = builder().expiration(info -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("rule broken");
            }
            return false;
        }).build();
        Thing first = leaseAndReturn(pool);
        Thing second = leaseAndReturn(pool); // the rule throws on the first: disposed, logged
        assertThat(second).isNotSameAs(first);
        assertThat(disposed).containsExactly(first);
        assertThat(pool.stats()).extracting(Pool.Stats::dropped, Pool.Stats::expired).containsExactly(1L, 1L);
        assertThat(leaseAndReturn(pool)).isSameAs(second);
    }

    @Test
    void withoutAnExpirationRuleTheClockIsNeverRead() {
        AtomicInteger reads = new AtomicInteger();
        Clock counting = new ManualClock() {
            @Override
            public long millis() {
                reads.incrementAndGet();
                return super.millis();
            }
        };
        Pool<Thing> pool = Pool.builder(factory).clock(counting).build();
        for (int i = 0; i < 10; i++) {
            leaseAndReturn(pool);
        }
        assertThat(reads).hasValue(0);
    }

    @Test
    void theSweepLetsGoOfExpiredIdleObjectsWithoutABorrower() throws Exception {
        Pool<Thing> pool = builder().maxSize(0).maxIdleTime(Duration.ofMinutes(1))
                .evictEvery(Duration.ofMillis(5), scheduler).build();
        List<Pool.Lease<Thing>> leases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leases.add(pool.instance());
        }
        leases.forEach(Pool.Lease::close);
        Pool.Lease<Thing> kept = pool.instance(); // in use: never swept
        clock.advance(Duration.ofMinutes(2));
        await("the sweep", () -> pool.stats().expired() == 2);
        assertThat(pool.stats()).extracting(Pool.Stats::idle, Pool.Stats::inUse, Pool.Stats::dropped)
                .containsExactly(0, 1, 2L);
        assertThat(disposed).hasSize(2).doesNotContain(kept.get());
        kept.close();
        pool.close();
        assertThat(scheduler.getQueue()).as("close cancels the sweep")
                .allSatisfy(task -> assertThat(((java.util.concurrent.Future<?>) task).isCancelled()).isTrue());
    }

    @Test
    void prefillMakesIdleObjectsInTheBackground() throws Exception {
        Pool<Thing> pool = builder().maxTotal(5).prefill(3).build();
        await("the prefill", () -> pool.stats().idle() == 3);
        assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::reused).containsExactly(3L, 0L);
        leaseAndReturn(pool);
        assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::reused).containsExactly(3L, 1L);
        assertThat(made).hasValue(3);
    }

    @Test
    void aPrefillWhoseFactoryFailsStopsAndTheBorrowersGoOn() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Pool<Thing> pool = Pool.builder(() -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("no");
            }
            return new Thing(calls.get());
        }).maxTotal(4).prefill(4).build();
        await("the prefill to stop", () -> calls.get() >= 2);
        await("the first object", () -> pool.stats().idle() == 1);
        assertThat(pool.stats().created()).isEqualTo(1);
        try (Pool.Lease<Thing> lease = pool.instance()) {
            assertThat(lease.get().id()).isEqualTo(1);
        }
    }
}
