package cs.resources;

import static cs.resources.PoolCapacityTest.awaitWaiting;
import static cs.resources.PoolExpirationTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black-box tests of the operator's controls: live sizing, {@code evictAll}, {@code awaitClosed},
 * {@code validateOnLease}, long-lease warnings, the wait and hold time distributions, the JFR
 * events, and their bad input. Threads meet at latches and states; time moves on a test clock.
 */
class PoolControlsTest {

    static final Duration LONG = Duration.ofSeconds(30);

    record Thing(int id) {
    }

    private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_000_000));
    private final AtomicInteger made = new AtomicInteger();
    private final Supplier<Thing> factory = () -> new Thing(made.incrementAndGet());
    private final List<Thing> disposed = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private Pool.Builder<Thing> builder(String name) {
        return Pool.builder(factory).name(name).disposer(disposed::add);
    }

    private static List<Pool.Lease<Thing>> lease(Pool<Thing> pool, int n) {
        List<Pool.Lease<Thing>> leases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leases.add(pool.instance());
        }
        return leases;
    }

    // ------------------------------------------------------------------------------ live sizing

    @Test
    void raisingTheCapServesTheWaiters() throws Exception {
        Pool<Thing> pool = builder("grow").maxTotal(1).build();
        Pool.Lease<Thing> held = pool.instance();
        Future<Pool.Lease<Thing>> waiter = executor.submit(() -> pool.instance(LONG));
        awaitWaiting(pool, 1);
        pool.setMaxTotal(2);
        assertThat(pool.maxTotal()).isEqualTo(2);
        assertThat(pool.maxSize()).as("an idle bound never set follows the cap").isEqualTo(2);
        Pool.Lease<Thing> second = waiter.get(LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(second.get().id()).isEqualTo(2);
        held.close();
        second.close();
        assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::idle, Pool.Stats::timeouts)
                .containsExactly(2L, 2, 0L);
        pool.close();
    }

    @Test
    void loweringTheCapDisposesIdleObjectsNowAndDropsLeasedOnesAsTheyComeBack() {
        Pool<Thing> pool = builder("shrink").maxTotal(4).build();
        List<Pool.Lease<Thing>> leases = lease(pool, 4);
        leases.get(0).close();
        leases.get(1).close(); // 2 idle, 2 in use
        pool.setMaxTotal(1);
        assertThat(pool.maxSize()).isEqualTo(1);
        // Over the cap by 3: both idle objects go at once; no lease is revoked.
        assertThat(disposed).extracting(Thing::id).containsExactlyInAnyOrder(1, 2);
        assertThat(leases.get(2).get().id()).isEqualTo(3);
        assertThat(pool.tryInstance()).as("2 objects in use, above the cap of 1").isEmpty();
        leases.get(2).close(); // still over the cap: dropped
        assertThat(disposed).extracting(Thing::id).contains(3);
        leases.get(3).close(); // within the cap: kept
        assertThat(disposed).hasSize(3);
        assertThat(pool.stats()).extracting(Pool.Stats::idle, Pool.Stats::inUse, Pool.Stats::dropped)
                .containsExactly(1, 0, 3L);
        try (Pool.Lease<Thing> again = pool.instance(Duration.ZERO)) {
            assertThat(again.get().id()).isEqualTo(4);
        }
        pool.close();
    }

    @Test
    void loweringTheIdleBoundDisposesTheOldestIdleObjects() {
        Pool<Thing> pool = builder("idle").maxSize(4).build();
        List<Pool.Lease<Thing>> leases = lease(pool, 5);
        leases.forEach(Pool.Lease::close); // 4 idle, the 5th dropped
        assertThat(disposed).extracting(Thing::id).containsExactly(5);
        pool.setMaxSize(1);
        assertThat(pool.maxSize()).isEqualTo(1);
        assertThat(pool.stats().idle()).isEqualTo(1);
        assertThat(disposed).hasSize(4);
        List<Pool.Lease<Thing>> two = lease(pool, 2);
        two.forEach(Pool.Lease::close);
        assertThat(pool.stats().idle()).isEqualTo(1);
        pool.setMaxSize(0);
        assertThat(pool.maxSize()).isZero();
        closeAll(lease(pool, 3));
        assertThat(pool.stats().idle()).as("no bound").isEqualTo(3);
        pool.close();
    }

    @Test
    void sizingFollowsTheBuildersRulesAndChangesNothingWhenRefused() {
        Pool<Thing> pool = builder("rules").maxTotal(4).maxSize(3).build();
        assertThatThrownBy(() -> pool.setMaxTotal(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Pool[rules]").hasMessageContaining("maxSize 3");
        assertThat(pool.maxTotal()).isEqualTo(4);
        assertThatThrownBy(() -> pool.setMaxSize(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Pool[rules]").hasMessageContaining("maxTotal 4");
        assertThat(pool.maxSize()).isEqualTo(3);
        assertThatThrownBy(() -> pool.setMaxTotal(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> pool.setMaxSize(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        pool.setMaxTotal(0);
        assertThat(pool.maxTotal()).isZero();
        assertThat(pool.maxSize()).as("a bound that was set stays").isEqualTo(3);

        Pool<Thing> unset = builder("unset").build();
        assertThat(unset.maxSize()).isEqualTo(Pool.DEFAULT_MAX_SIZE);
        unset.setMaxTotal(7);
        assertThat(unset.maxSize()).isEqualTo(7);
        unset.setMaxTotal(0);
        assertThat(unset.maxSize()).isEqualTo(Pool.DEFAULT_MAX_SIZE);
        pool.close();
        unset.close();
    }

    @Test
    void afterCloseTheControlsThrowClosedException() {
        Pool<Thing> pool = builder("closed").build();
        pool.close();
        assertThatThrownBy(() -> pool.setMaxTotal(3)).isInstanceOf(ClosedException.class).hasMessageContaining("Pool[closed]");
        assertThatThrownBy(() -> pool.setMaxSize(3)).isInstanceOf(ClosedException.class).hasMessageContaining("Pool[closed]");
        assertThatThrownBy(pool::evictAll).isInstanceOf(ClosedException.class).hasMessageContaining("Pool[closed]");
    }

    // -------------------------------------------------------------------------------- evictAll

    @Test
    void evictAllDisposesIdleObjectsNowAndLeasedOnesWhenTheyComeBack() {
        Pool<Thing> pool = builder("evict").maxSize(4).build();
        List<Pool.Lease<Thing>> leases = lease(pool, 3);
        leases.get(0).close();
        pool.evictAll();
        assertThat(disposed).extracting(Thing::id).containsExactly(1);
        assertThat(leases.get(1).get().id()).as("no lease is revoked").isEqualTo(2);
        leases.get(1).close();
        leases.get(2).close();
        assertThat(disposed).extracting(Thing::id).containsExactly(1, 2, 3);
        try (Pool.Lease<Thing> fresh = pool.instance()) {
            assertThat(fresh.get().id()).isEqualTo(4);
        }
        closeAll(lease(pool, 2));
        assertThat(disposed).hasSize(3);
        assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::dropped, Pool.Stats::idle)
                .containsExactly(5L, 3L, 2);
        pool.close();
    }

    @Test
    void evictAllThrowsTheFirstDisposerFailureAfterDisposingEveryIdleObject() {
        AtomicInteger calls = new AtomicInteger();
        Pool<Thing> pool = Pool.builder(factory).name("evict-fails").disposer(t -> {
            calls.incrementAndGet();
            throw new IllegalStateException("cannot dispose " + t);
        }).build();
        closeAll(lease(pool, 3));
        assertThatThrownBy(pool::evictAll).isInstanceOf(IllegalStateException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(2));
        assertThat(calls).hasValue(3);
        assertThat(pool.stats()).extracting(Pool.Stats::idle, Pool.Stats::dropped).containsExactly(0, 3L);
        pool.close();
    }

    // ---------------------------------------------------------------------------- awaitClosed

    @Test
    void awaitClosedWaitsForTheLeasesToComeBackAndTheDisposersToReturn() throws Exception {
        CountDownLatch inDisposer = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Pool<Thing> pool = Pool.builder(factory).name("await").disposer(t -> {
            if (t.id() == 2) {
                inDisposer.countDown();
                try {
                    release.await(LONG.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).build();
        assertThatThrownBy(() -> pool.awaitClosed(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Pool[await]").hasMessageContaining("not closed");
        List<Pool.Lease<Thing>> leases = lease(pool, 2);
        pool.close();
        assertThat(pool.awaitClosed(Duration.ZERO)).as("two leases out").isFalse();
        leases.get(0).close();
        assertThat(pool.awaitClosed(Duration.ZERO)).as("one lease out").isFalse();
        Future<?> last = executor.submit(() -> leases.get(1).close());
        assertThat(inDisposer.await(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(pool.awaitClosed(Duration.ZERO)).as("its disposer has not returned").isFalse();
        Future<Boolean> awaiting = executor.submit(() -> pool.awaitClosed(LONG));
        release.countDown();
        assertThat(awaiting.get(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
        last.get(LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(pool.awaitClosed(Duration.ZERO)).isTrue();
    }

    @Test
    void awaitClosedRejectsBadInput() {
        Pool<Thing> pool = builder("await-bad").build();
        pool.close();
        assertThatThrownBy(() -> pool.awaitClosed(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> pool.awaitClosed(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Pool[await-bad]").hasMessageContaining("negative");
    }

    // ------------------------------------------------------------------------- validateOnLease

    @Test
    void validateOnLeaseDisposesAnInvalidIdleObjectAndServesAnother() {
        AtomicInteger validations = new AtomicInteger();
        RuntimeException boom = new IllegalStateException("validator");
        try (PoolLog log = PoolLog.start()) {
            Pool<Thing> pool = builder("on-lease").validateOnLease(true).validator(t -> {
                validations.incrementAndGet();
                if (t.id() == 2) {
                    throw boom;
                }
                return t.id() != 1 || validations.get() < 3;
            }).build();
            closeAll(lease(pool, 2)); // validations 1, 2 on return: 1 kept, 2 thrown, dropped
            assertThat(disposed).extracting(Thing::id).containsExactly(2);
            try (Pool.Lease<Thing> lease = pool.instance()) { // validation 3 on lease: 1 invalid now
                assertThat(lease.get().id()).isEqualTo(3);
            }
            assertThat(disposed).extracting(Thing::id).containsExactly(2, 1);
            assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::dropped, Pool.Stats::expired)
                    .containsExactly(3L, 2L, 0L);
            assertThat(log.thrown(Level.WARNING, pool)).containsExactly(boom);
            pool.close();
        }
        Pool<Thing> off = builder("off").validator(t -> false).build();
        try (Pool.Lease<Thing> lease = off.instance()) {
            assertThat(lease.get()).isNotNull();
        }
        off.close();
    }

    // --------------------------------------------------------------------------- long leases

    @Test
    void aLeaseHeldPastTheWarningIsReportedOnceWhileItIsHeld() throws Exception {
        try (PoolLog log = PoolLog.start()) {
            Pool<Thing> pool = builder("slow").clock(clock).longLeaseWarning(Duration.ofMinutes(5)).build();
            assertThat(pool.longLeaseWarning()).contains(Duration.ofMinutes(5));
            Pool.Lease<Thing> quick = pool.instance();
            quick.close();
            Pool.Lease<Thing> held = leaseHere(pool); // never closed in this test's time
            clock.advance(Duration.ofMinutes(6));
            await("the long lease reported", () -> pool.stats().longLeases() == 1);
            List<LogRecord> warnings = log.records(Level.WARNING, pool);
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0).getMessage()).contains("PT6M").contains(Thread.currentThread().getName())
                    .contains("longLeaseWarning PT5M");
            assertThat(warnings.get(0).getThrown().getStackTrace())
                    .anySatisfy(f -> assertThat(f.getMethodName()).isEqualTo("leaseHere"));
            // Reported once: later looks find it again and say nothing.
            clock.advance(Duration.ofMinutes(6));
            Pool.Lease<Thing> other = pool.instance();
            clock.advance(Duration.ofMinutes(6));
            await("the second long lease reported", () -> pool.stats().longLeases() == 2);
            assertThat(log.records(Level.WARNING, pool)).hasSize(2);
            held.close();
            other.close();
            pool.close();
        }
    }

    private static Pool.Lease<Thing> leaseHere(Pool<Thing> pool) {
        return pool.instance();
    }

    @Test
    void longLeaseWarningRejectsBadInput() {
        Pool.Builder<Thing> b = Pool.builder(factory);
        assertThatThrownBy(() -> b.longLeaseWarning(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("longLeaseWarning");
        assertThatThrownBy(() -> b.longLeaseWarning(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longLeaseWarning").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> b.longLeaseWarning(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-1S");
        Pool<Thing> pool = b.build();
        assertThat(pool.longLeaseWarning()).isEmpty();
        pool.close();
    }

    // ----------------------------------------------------------------------------- the times

    @Test
    void waitAndHoldTimesAreDistributions() throws Exception {
        Pool<Thing> pool = builder("times").maxTotal(1).build();
        assertThat(pool.stats().waitTimes()).isEqualTo(Pool.Times.NONE);
        assertThat(pool.stats().holdTimes()).isEqualTo(Pool.Times.NONE);
        assertThat(pool.recordsHoldTimes()).isFalse();
        closeAll(lease(pool, 1));
        assertThat(pool.stats().holdTimes().count()).as("off by default").isZero();

        pool.recordHoldTimes(true);
        for (int i = 0; i < 5; i++) {
            closeAll(lease(pool, 1));
        }
        Pool.Lease<Thing> held = pool.instance();
        Future<Pool.Lease<Thing>> waiter = executor.submit(() -> pool.instance(LONG));
        awaitWaiting(pool, 1);
        held.close();
        waiter.get(LONG.toSeconds(), TimeUnit.SECONDS).close();
        assertThatThrownBy(() -> {
            try (Pool.Lease<Thing> l = pool.instance()) {
                executor.submit(() -> pool.instance(Duration.ofMillis(1))).get();
            }
        }).hasCauseInstanceOf(PoolTimeoutException.class);

        Pool.Stats stats = pool.stats();
        assertThat(stats.holdTimes().count()).isEqualTo(8);
        assertThat(stats.waitTimes().count()).isEqualTo(2);
        for (Pool.Times t : List.of(stats.holdTimes(), stats.waitTimes())) {
            assertThat(t.p50()).isLessThanOrEqualTo(t.p90());
            assertThat(t.p90()).isLessThanOrEqualTo(t.p99());
            assertThat(t.p99()).isLessThanOrEqualTo(t.p999());
            assertThat(t.p999()).isLessThanOrEqualTo(t.max());
            assertThat(t.max()).isPositive();
        }
        assertThat(stats.waitTimes().max()).isGreaterThanOrEqualTo(Duration.ofMillis(1));
        pool.recordHoldTimes(false);
        closeAll(lease(pool, 1));
        assertThat(pool.stats().holdTimes().count()).as("kept, not added to").isEqualTo(8);
        pool.close();
    }

    @Test
    void theOldStatsConstructorsGiveNoLongLeasesAndNoTimes() {
        Pool.Stats old = new Pool.Stats(1, 2, 3, 4, 5, 6, 7, 8, 9, Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(old.longLeases()).isZero();
        assertThat(old.waitTimes()).isEqualTo(Pool.Times.NONE);
        assertThat(old.holdTimes()).isEqualTo(Pool.Times.NONE);
        assertThatThrownBy(() -> new Pool.Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, Duration.ZERO, Duration.ZERO, 0, null,
                Pool.Times.NONE)).isInstanceOf(NullPointerException.class).hasMessage("waitTimes");
        assertThatThrownBy(() -> new Pool.Times(-1, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThat(new Pool.Times(4, Duration.ofMillis(3), Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO).total()).isEqualTo(Duration.ofMillis(12));
    }

    // ------------------------------------------------------------------------------ JFR events

    @Test
    void waitsAndLongLeasesAreJfrEvents(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pool.jfr");
        try (Recording recording = new Recording(); PoolLog log = PoolLog.start()) {
            recording.enable("cs.resources.PoolWait").withThreshold(Duration.ZERO);
            recording.enable("cs.resources.LongLease");
            recording.start();
            Pool<Thing> pool = builder("jfr").maxTotal(1).clock(clock).longLeaseWarning(Duration.ofSeconds(10)).build();
            Pool.Lease<Thing> held = pool.instance();
            Future<Pool.Lease<Thing>> waiter = executor.submit(() -> pool.instance(LONG));
            awaitWaiting(pool, 1);
            assertThatThrownBy(() -> pool.instance(Duration.ofMillis(1))).isInstanceOf(PoolTimeoutException.class);
            clock.advance(Duration.ofSeconds(11));
            await("the long lease", () -> pool.stats().longLeases() == 1);
            held.close();
            waiter.get(LONG.toSeconds(), TimeUnit.SECONDS).close();
            pool.close();
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        List<RecordedEvent> waits = events.stream().filter(e -> e.getEventType().getName().equals("cs.resources.PoolWait"))
                .filter(e -> "jfr".equals(e.getString("poolName"))).toList();
        assertThat(waits).extracting(e -> e.getBoolean("timedOut")).containsExactlyInAnyOrder(true, false);
        assertThat(waits).allSatisfy(e -> assertThat(e.getDuration()).isPositive());
        List<RecordedEvent> longLeases = events.stream()
                .filter(e -> e.getEventType().getName().equals("cs.resources.LongLease")).toList();
        assertThat(longLeases).hasSize(1);
        assertThat(longLeases.get(0).getString("poolName")).isEqualTo("jfr");
        assertThat(longLeases.get(0).getString("thread")).isEqualTo(Thread.currentThread().getName());
        assertThat(longLeases.get(0).getDuration("heldFor")).isEqualTo(Duration.ofSeconds(11));
        assertThat(Files.size(file)).isPositive();
    }

    private static void closeAll(List<? extends Pool.Lease<?>> leases) {
        for (Pool.Lease<?> lease : leases) {
            assertThatCode(lease::close).doesNotThrowAnyException();
        }
    }
}
