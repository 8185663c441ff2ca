package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Black-box tests of {@link Pool}'s cap ({@code maxTotal}) and its waits: who waits, who is served
 * and in what order, timeouts, interrupts, close, a failing factory, and the counters. Waiting
 * borrowers run in threads of their own; the tests wait for states (a borrower seen waiting in
 * {@link Pool#stats()}, a thread parked), never for time.
 */
class PoolCapacityTest {

    static final Duration LONG = Duration.ofSeconds(30);

    /** A pooled object, numbered in creation order. */
    record Thing(int id) {
    }

    private final AtomicInteger made = new AtomicInteger();
    private final Supplier<Thing> factory = () -> new Thing(made.incrementAndGet());
    private final List<Thing> disposed = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private Pool<Thing> capped(int maxTotal) {
        return Pool.builder(factory).name("capped").maxTotal(maxTotal).disposer(disposed::add).build();
    }

    /** Waits until {@code n} borrowers wait on {@code pool}. */
    static void awaitWaiting(Pool<?> pool, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (pool.stats().waiting() != n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " waiting, have " + pool.stats());
            }
            Thread.sleep(1);
        }
    }

    private Future<Pool.Lease<Thing>> borrowInBackground(Pool<Thing> pool, Duration timeout) {
        return executor.submit(() -> pool.instance(timeout));
    }

    @Test
    void theCapBoundsTheObjectsThatExistAndTheIdleBoundIsTheCap() {
        Pool<Thing> pool = capped(3);
        assertThat(pool.maxTotal()).isEqualTo(3);
        assertThat(pool.maxSize()).as("no maxSize given: the idle bound is the cap").isEqualTo(3);
        assertThat(pool.maxWait()).isEqualTo(Pool.DEFAULT_MAX_WAIT).isEqualTo(Duration.ofSeconds(30));
        List<Pool.Lease<Thing>> leases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leases.add(pool.instance());
        }
        assertThat(pool.tryInstance()).isEmpty();
        assertThat(made).hasValue(3);
        leases.forEach(Pool.Lease::close);
        assertThat(pool.stats()).isEqualTo(new Pool.Stats(3, 0, 0, 3, 0));
        Optional<Pool.Lease<Thing>> again = pool.tryInstance();
        assertThat(again).isPresent();
        again.get().close();
        assertThat(made).hasValue(3);
    }

    @Test
    void atTheCapAZeroTimeoutDoesNotWaitAndNamesThePoolTheCapAndTheCounts() {
        Pool<Thing> pool = capped(2);
        Pool.Lease<Thing> a = pool.instance();
        Pool.Lease<Thing> b = pool.instance();
        assertThatThrownBy(() -> pool.instance(Duration.ZERO))
                .isExactlyInstanceOf(PoolTimeoutException.class)
                .hasMessage("instance(PT0S) on Pool[capped] found no object in PT0S: maxTotal 2, 2 in use, 0 waiting")
                .hasNoCause();
        Pool<Thing> noWait = Pool.builder(factory).name("nowait").maxTotal(1).maxWait(Duration.ZERO).build();
        noWait.instance();
        assertThatThrownBy(noWait::instance).isInstanceOf(PoolTimeoutException.class)
                .hasMessageStartingWith("instance() on Pool[nowait] found no object in PT0S: maxTotal 1, 1 in use");
        Pool.Stats stats = pool.stats();
        assertThat(stats.timeouts()).isEqualTo(1);
        assertThat(stats.waits()).as("it did not wait").isZero();
        a.close();
        b.close();
    }

    @Test
    void aReturnServesTheWaitersInTheOrderTheyCame() throws Exception {
        Pool<Thing> pool = capped(1);
        Pool.Lease<Thing> held = pool.instance();
        Thing thing = held.get();
        Future<Pool.Lease<Thing>> first = borrowInBackground(pool, LONG);
        awaitWaiting(pool, 1);
        Future<Pool.Lease<Thing>> second = borrowInBackground(pool, LONG);
        awaitWaiting(pool, 2);
        assertThat(pool.stats().waits()).isEqualTo(2);

        held.close();
        Pool.Lease<Thing> got = first.get(10, TimeUnit.SECONDS);
        assertThat(got.get()).isSameAs(thing);
        assertThat(second).isNotDone();
        assertThat(pool.stats().waiting()).isEqualTo(1);
        got.close();
        Pool.Lease<Thing> next = second.get(10, TimeUnit.SECONDS);
        assertThat(next.get()).isSameAs(thing);
        next.close();

        Pool.Stats stats = pool.stats();
        assertThat(stats.waiting()).isZero();
        assertThat(stats.created()).isEqualTo(1);
        assertThat(stats.reused()).isEqualTo(2);
        assertThat(stats.timeouts()).isZero();
        assertThat(stats.longestWait()).isPositive();
        assertThat(stats.meanWait()).isPositive().isLessThanOrEqualTo(stats.longestWait());
    }

    @Test
    void aWaitThatTimesOutSaysHowLongItWaitedAndLeavesThePoolAsItWas() throws Exception {
        Pool<Thing> pool = capped(1);
        Pool.Lease<Thing> held = pool.instance();
        Duration timeout = Duration.ofMillis(50);
        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.instance(timeout)).isInstanceOf(PoolTimeoutException.class)
                .hasMessageStartingWith("instance(PT0.05S) on Pool[capped] found no object in PT0.")
                .hasMessageEndingWith(": maxTotal 1, 1 in use, 0 waiting")
                .hasNoCause();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(timeout);
        Pool.Stats stats = pool.stats();
        assertThat(stats.waits()).isEqualTo(1);
        assertThat(stats.timeouts()).isEqualTo(1);
        assertThat(stats.waiting()).isZero();
        assertThat(stats.longestWait()).isGreaterThanOrEqualTo(timeout);
        held.close();
        pool.instance().close(); // the pool still serves
        assertThat(pool.stats().created()).isEqualTo(1);
    }

    @Test
    void anInterruptEndsTheWaitKeepsTheFlagAndIsTheCause() throws Exception {
        Pool<Thing> pool = capped(1);
        Pool.Lease<Thing> held = pool.instance();
        Future<Throwable> waiter = executor.submit(() -> {
            try {
                pool.instance(LONG);
                return null;
            } catch (PoolTimeoutException e) {
                return Thread.currentThread().isInterrupted() ? e : new AssertionError("flag cleared", e);
            }
        });
        awaitWaiting(pool, 1);
        executor.shutdownNow(); // interrupts the waiter
        Throwable thrown = waiter.get(10, TimeUnit.SECONDS);
        assertThat(thrown).isExactlyInstanceOf(PoolTimeoutException.class)
                .hasMessageContaining("instance(PT30S) on Pool[capped] was interrupted after waiting")
                .hasMessageEndingWith("maxTotal 1, 1 in use, 0 waiting")
                .hasCauseExactlyInstanceOf(InterruptedException.class);
        assertThat(pool.stats().waiting()).isZero();
        assertThat(pool.stats().timeouts()).isEqualTo(1);
        held.close();
        assertThat(pool.stats().idle()).isEqualTo(1);
    }

    @Test
    void aBorrowerInterruptedBeforeItWaitsFailsAtOnceWithTheFlagKept() {
        Pool<Thing> pool = capped(1);
        Pool.Lease<Thing> held = pool.instance();
        long start = System.nanoTime();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> pool.instance(LONG)).isExactlyInstanceOf(PoolTimeoutException.class)
                    .hasMessageContaining("instance(PT30S) on Pool[capped] was interrupted after waiting")
                    .hasCauseExactlyInstanceOf(InterruptedException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        // Neither the yielding before the park nor the park outlasts an interrupt already set.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(pool.stats().waiting()).isZero();
        assertThat(pool.stats().timeouts()).isEqualTo(1);
        held.close();
        pool.instance().close();
        assertThat(pool.stats().created()).isEqualTo(1);
    }

    @Test
    void aWaiterWithATimeoutShorterThanItsYieldingTimesOutOnTime() {
        Pool<Thing> pool = capped(1);
        Pool.Lease<Thing> held = pool.instance();
        Duration timeout = Duration.ofNanos(20_000); // well inside the 100 µs of yielding
        assertThatThrownBy(() -> pool.instance(timeout)).isInstanceOf(PoolTimeoutException.class)
                .hasMessageStartingWith("instance(PT0.00002S) on Pool[capped] found no object in PT0.");
        assertThat(pool.stats().longestWait()).isGreaterThanOrEqualTo(timeout).isLessThan(Duration.ofSeconds(1));
        assertThat(pool.stats().waiting()).isZero();
        held.close();
    }

    @Test
    void closeWakesEveryWaiterWithClosedException() throws Exception {
        Pool<Thing> pool = capped(1);
        Pool.Lease<Thing> held = pool.instance();
        List<Future<Pool.Lease<Thing>>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(borrowInBackground(pool, LONG));
            awaitWaiting(pool, i + 1);
        }
        pool.close();
        for (Future<Pool.Lease<Thing>> w : waiters) {
            assertThatThrownBy(() -> w.get(10, TimeUnit.SECONDS)).hasCauseExactlyInstanceOf(ClosedException.class)
                    .cause().hasMessage("instance(PT30S) on Pool[capped]: the pool is closed");
        }
        assertThat(pool.stats().waiting()).isZero();
        assertThatThrownBy(pool::tryInstance).isInstanceOf(ClosedException.class)
                .hasMessage("tryInstance() on Pool[capped]: the pool is closed");
        held.close();
        assertThat(disposed).hasSize(1);
    }

    @Test
    void aDiscardFreesRoomForTheFirstWaiterWhichMakesANewObject() throws Exception {
        Pool<Thing> pool = capped(1);
        Pool.Lease<Thing> held = pool.instance();
        Future<Pool.Lease<Thing>> waiter = borrowInBackground(pool, LONG);
        awaitWaiting(pool, 1);
        held.discard();
        Pool.Lease<Thing> got = waiter.get(10, TimeUnit.SECONDS);
        assertThat(got.get().id()).isEqualTo(2);
        assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::dropped, Pool.Stats::inUse)
                .containsExactly(2L, 1L, 1);
        got.close();
    }

    @Test
    void anObjectDroppedAsInvalidFreesRoomToo() throws Exception {
        Pool<Thing> pool = Pool.builder(factory).maxTotal(1).validator(t -> t.id() != 1).build();
        Pool.Lease<Thing> held = pool.instance();
        Future<Pool.Lease<Thing>> waiter = borrowInBackground(pool, LONG);
        awaitWaiting(pool, 1);
        held.close(); // invalid: dropped
        assertThat(waiter.get(10, TimeUnit.SECONDS).get().id()).isEqualTo(2);
    }

    @Test
    void aFactoryThatFailsWhileBorrowersWaitGivesEachWaiterItsExceptionAndNeverHangs() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        RuntimeException down = new IllegalStateException("database down");
        Pool<Thing> pool = Pool.builder(() -> {
            if (calls.incrementAndGet() > 1) {
                throw down;
            }
            return new Thing(calls.get());
        }).maxTotal(1).build();
        Pool.Lease<Thing> held = pool.instance();
        Future<Pool.Lease<Thing>> first = borrowInBackground(pool, LONG);
        awaitWaiting(pool, 1);
        Future<Pool.Lease<Thing>> second = borrowInBackground(pool, LONG);
        awaitWaiting(pool, 2);

        held.discard(); // room for one new object: the first waiter tries, fails; the room goes on
        assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).cause().isSameAs(down);
        assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS)).cause().isSameAs(down);
        Pool.Stats stats = pool.stats();
        assertThat(stats.waiting()).isZero();
        assertThat(stats.created()).isEqualTo(1);
        assertThat(stats.inUse()).isZero();
        // And a borrower that waits for a return while the factory fails gets the return.
        Pool<Thing> other = Pool.builder(() -> {
            if (calls.incrementAndGet() > 4) {
                throw down;
            }
            return new Thing(calls.get());
        }).maxTotal(1).build();
        Pool.Lease<Thing> out = other.instance();
        Thing returned = out.get();
        Future<Pool.Lease<Thing>> patient = borrowInBackground(other, LONG);
        awaitWaiting(other, 1);
        out.close();
        assertThat(patient.get(10, TimeUnit.SECONDS).get()).isSameAs(returned);
    }

    @Test
    void tryInstanceNeverWaitsButMakesObjectsUnderTheCap() {
        Pool<Thing> pool = capped(2);
        Optional<Pool.Lease<Thing>> a = pool.tryInstance();
        Optional<Pool.Lease<Thing>> b = pool.tryInstance();
        assertThat(a).isPresent();
        assertThat(b).isPresent();
        assertThat(pool.tryInstance()).isEmpty();
        assertThat(pool.stats().timeouts()).as("an empty tryInstance is not a timeout").isZero();
        a.get().close();
        assertThat(pool.tryInstance()).isPresent();
    }

    @Test
    void statsKeepTheirFirstFormAndGainTheWaits() {
        Pool.Stats old = new Pool.Stats(1, 2, 3, 4, 5);
        assertThat(old).isEqualTo(new Pool.Stats(1, 2, 3, 4, 5, 0, 0, 0, 0, Duration.ZERO, Duration.ZERO));
        assertThat(old.waits()).isZero();
        assertThat(old.longestWait()).isZero();
        assertThatThrownBy(() -> new Pool.Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, null, Duration.ZERO))
                .isInstanceOf(NullPointerException.class).hasMessage("longestWait");
    }

    @Test
    void aWaiterIsServedByAnObjectReturnedFromAnotherThreadsCell() throws Exception {
        // The object goes back through the fast path (into the returning thread's cell) while a
        // borrower waits: the return sees the waiter and hands the object over.
        Pool<Thing> pool = capped(1);
        Future<Pool.Lease<Thing>> owner = executor.submit(() -> pool.instance());
        Pool.Lease<Thing> lease = owner.get(10, TimeUnit.SECONDS);
        lease.close();
        Pool.Lease<Thing> again = executor.submit(() -> pool.instance()).get(10, TimeUnit.SECONDS);
        Future<Pool.Lease<Thing>> waiter = borrowInBackground(pool, LONG);
        awaitWaiting(pool, 1);
        again.close();
        assertThat(waiter.get(10, TimeUnit.SECONDS).get().id()).isEqualTo(1);
    }
}
