package cs.resources;

import static cs.resources.MultiOpenTestSupport.PATIENCE;
import static cs.resources.MultiOpenTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD;

import cs.resources.MultiOpenTestSupport.CapturedLog;
import cs.resources.MultiOpenTestSupport.Hook;
import cs.resources.MultiOpenTestSupport.Probe;
import cs.resources.MultiOpenTestSupport.Worker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Contention tests of {@link AbstractMultiOpen}: many threads opening and closing at once, and
 * races between an open, a close or a join and a startup or shutdown in progress. The assertions
 * would catch a lost update of the count, a double startup or a double shutdown, a startup and a
 * shutdown that overlap, and waiters that are never released.
 *
 * <p>MultiOpen's waits are not interruptible, so each test has a timeout that runs it in a separate
 * thread: a deadlock fails the test instead of hanging the build.
 */
class MultiOpenConcurrencyTest {

    private static final int THREADS = 16;
    private static final int CYCLES = 5_000;
    private static final int RACES = 100_000;

    /**
     * Watches startups and shutdowns: they must alternate (a startup only while the resource is
     * down, a shutdown only while it is up) and never overlap one another or themselves.
     */
    static final class Watch {
        private final AtomicReference<String> running = new AtomicReference<>();
        private final AtomicBoolean up = new AtomicBoolean();
        final AtomicInteger successfulStartups = new AtomicInteger();
        final List<String> violations = new CopyOnWriteArrayList<>();

        /** Whether a startup has completed and the matching shutdown has not yet begun. */
        boolean isUp() {
            return up.get();
        }

        Hook startup(Hook body) {
            return p -> {
                enter("startup");
                try {
                    if (up.get()) {
                        violations.add("startup while already up");
                    }
                    body.run(p);
                    up.set(true);
                    successfulStartups.incrementAndGet();
                } finally {
                    leave("startup");
                }
            };
        }

        Hook shutdown(Hook body) {
            return p -> {
                enter("shutdown");
                try {
                    if (!up.get()) {
                        violations.add("shutdown while down");
                    }
                    up.set(false);
                    body.run(p);
                } finally {
                    leave("shutdown");
                }
            };
        }

        /** A probe whose startups and shutdowns this watch checks. */
        Probe probe(Hook startup, Hook shutdown) {
            return new Probe().onStartup(startup(startup)).onShutdown(shutdown(shutdown));
        }

        Probe probe() {
            return probe(p -> { }, p -> { });
        }

        private void enter(String phase) {
            String other = running.getAndSet(phase);
            if (other != null) {
                violations.add(phase + " began while " + other + " ran");
            }
        }

        private void leave(String phase) {
            if (!running.compareAndSet(phase, null)) {
                violations.add(phase + " ended while " + running.get() + " ran");
            }
        }
    }

    /** Starts {@code count} workers that wait at one barrier, then each run {@code body}. */
    private static List<Worker> startTogether(int count, String name, MultiOpenTestSupport.Body body) {
        CyclicBarrier barrier = new CyclicBarrier(count);
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            workers.add(Worker.run(name + "-" + i, () -> {
                barrier.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                body.run();
            }));
        }
        return workers;
    }

    /** Waits for every worker, failing on the first one that threw. */
    private static void awaitAll(List<Worker> workers) {
        for (Worker w : workers) {
            w.result();
        }
    }

    private static void check(boolean condition, String what, Object... args) {
        if (!condition) {
            throw new AssertionError(String.format(what, args));
        }
    }

    @ParameterizedTest(name = "{0} nested open(s) per cycle")
    @ValueSource(ints = {1, 3})
    @Timeout(value = 30, threadMode = SEPARATE_THREAD)
    void manyThreadsOpeningAndClosingRunStartupAndShutdownOncePerCycleAndNeverTogether(int depth) {
        try (CapturedLog log = CapturedLog.start()) {
            Watch watch = new Watch();
            Probe p = watch.probe();

            awaitAll(startTogether(THREADS, "cycler", () -> {
                for (int i = 0; i < CYCLES; i++) {
                    for (int d = 1; d <= depth; d++) {
                        p.open();
                        check(watch.isUp(), "open returned before startup completed");
                        int count = p.openCount();
                        check(p.isOpen() && count >= d, "open %d of %d returned with count %d", d, depth, count);
                    }
                    for (int d = 0; d < depth; d++) {
                        p.close();
                    }
                }
            }));

            assertThat(watch.violations).isEmpty();
            assertThat(p.startups.get()).isPositive().isEqualTo(p.shutdowns.get());
            assertThat(watch.successfulStartups.get()).isEqualTo(p.startups.get());
            assertThat(p.isClosed()).isTrue();
            assertThat(p.isOpen()).isFalse();
            assertThat(p.openCount()).isZero();
            assertThat(p.join(Duration.ZERO)).isTrue();
            assertThat(log.allMessages(p)).as("no extra close was ever seen").isEmpty();
        }
    }

    @Test
    @Timeout(value = 30, threadMode = SEPARATE_THREAD)
    void twoThreadsRacingTheFinalCloseAgainstAnOpenNeverLoseAnOpen() {
        try (CapturedLog log = CapturedLog.start()) {
            Watch watch = new Watch();
            Probe p = watch.probe();

            awaitAll(startTogether(2, "racer", () -> {
                for (int i = 0; i < RACES; i++) {
                    p.open();
                    int count = p.openCount();
                    check(watch.isUp() && count >= 1, "open returned with count %d, up %s", count, watch.isUp());
                    p.close();
                }
            }));

            assertThat(watch.violations).isEmpty();
            assertThat(p.startups.get()).isPositive().isEqualTo(p.shutdowns.get());
            assertThat(p.isClosed()).isTrue();
            assertThat(p.openCount()).isZero();
            assertThat(log.allMessages(p)).as("no extra close was ever seen").isEmpty();
        }
    }

    @Test
    @Timeout(value = 30, threadMode = SEPARATE_THREAD)
    void whileOneOpenIsHeldContendingOpensAndClosesNeverShutDown() {
        Watch watch = new Watch();
        Probe p = watch.probe();
        p.open();

        awaitAll(startTogether(THREADS, "cycler", () -> {
            for (int i = 0; i < CYCLES; i++) {
                p.open();
                p.open();
                p.close();
                p.close();
            }
        }));

        assertThat(p.startups).hasValue(1);
        assertThat(p.shutdowns).hasValue(0);
        assertThat(p.openCount()).as("every open matched by exactly one close").isEqualTo(1);
        p.close();
        assertThat(p.shutdowns).hasValue(1);
        assertThat(p.isClosed()).isTrue();
        assertThat(watch.violations).isEmpty();
    }

    @Test
    @Timeout(value = 30, threadMode = SEPARATE_THREAD)
    void ofNeverOpensAndClosesTheOpenableTogetherUnderContention() {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger opens = new AtomicInteger();
        AtomicInteger closes = new AtomicInteger();
        List<String> violations = new CopyOnWriteArrayList<>();
        MultiOpen m = MultiOpen.of(new Openable() {
            @Override
            public void open() {
                if (inside.getAndIncrement() != 0 || opens.get() != closes.get()) {
                    violations.add("open overlapped or repeated");
                }
                opens.incrementAndGet();
                inside.decrementAndGet();
            }

            @Override
            public void close() {
                if (inside.getAndIncrement() != 0 || opens.get() != closes.get() + 1) {
                    violations.add("close overlapped or repeated");
                }
                closes.incrementAndGet();
                inside.decrementAndGet();
            }
        });

        awaitAll(startTogether(8, "cycler", () -> {
            for (int i = 0; i < 2_000; i++) {
                try (MultiOpen t = m.open()) {
                    check(t.isOpen(), "open returned but not open");
                }
            }
        }));

        assertThat(violations).isEmpty();
        assertThat(opens.get()).isPositive().isEqualTo(closes.get());
        assertThat(m.isClosed()).isTrue();
        assertThat(m.openCount()).isZero();
    }

    @Test
    @Timeout(value = 10, threadMode = SEPARATE_THREAD)
    void openersArrivingDuringAStartupWaitForItAndDoNotRunItAgain() {
        CountDownLatch inStartup = new CountDownLatch(1);
        CountDownLatch endStartup = new CountDownLatch(1);
        Watch watch = new Watch();
        Probe p = watch.probe(q -> {
            inStartup.countDown();
            await(endStartup);
        }, q -> { });
        Worker first = Worker.start("first", () -> {
            p.open();
            return watch.isUp();
        });
        await(inStartup);
        List<Worker> late = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            late.add(Worker.start("late-" + i, () -> {
                p.open();
                return watch.isUp();
            }).awaitWaiting());
        }

        assertThat(late).noneMatch(Worker::isDone);
        assertThat(p.startups).hasValue(1);
        assertThat(p.openCount()).isZero();
        endStartup.countDown();

        assertThat(first.result()).isEqualTo(true);
        for (Worker w : late) {
            assertThat(w.result()).as("returned after startup completed").isEqualTo(true);
        }
        assertThat(p.startups).hasValue(1);
        assertThat(p.openCount()).isEqualTo(5);
        assertThat(watch.violations).isEmpty();
    }

    @Test
    @Timeout(value = 10, threadMode = SEPARATE_THREAD)
    void aCloseFromAnotherThreadDuringStartupWaitsForTheStartup() {
        CountDownLatch inStartup = new CountDownLatch(1);
        CountDownLatch endStartup = new CountDownLatch(1);
        List<String> events = new CopyOnWriteArrayList<>();
        Probe p = new Probe()
                .onStartup(q -> {
                    events.add("startup begins");
                    inStartup.countDown();
                    await(endStartup);
                    events.add("startup ends");
                })
                .onShutdown(q -> events.add("shutdown"));
        Worker opener = Worker.run("opener", p::open);
        await(inStartup);
        Worker closer = Worker.run("closer", p::close).awaitWaiting();

        assertThat(closer.isDone()).isFalse();
        assertThat(p.shutdowns).hasValue(0);
        endStartup.countDown();

        opener.result();
        closer.result();
        assertThat(events).containsExactly("startup begins", "startup ends", "shutdown");
        assertThat(p.isClosed()).isTrue();
        assertThat(p.openCount()).isZero();
        assertThat(p.startups).hasValue(1);
    }

    @Test
    @Timeout(value = 10, threadMode = SEPARATE_THREAD)
    void closesWaitingForAFailedFirstStartupAreClosesBeforeOpen() {
        CountDownLatch inStartup = new CountDownLatch(1);
        CountDownLatch endStartup = new CountDownLatch(1);
        RuntimeException boom = new IllegalArgumentException("first startup failed");
        Probe p = new Probe().onStartup(q -> {
            inStartup.countDown();
            await(endStartup);
            throw boom;
        });
        Worker opener = Worker.run("opener", p::open);
        await(inStartup);
        Worker closer = Worker.run("closer", p::close).awaitWaiting();
        Worker tolerantCloser = Worker.run("tolerant-closer", () -> p.close(CloseOption.UNOPENED_OK)).awaitWaiting();

        endStartup.countDown();

        assertThat(opener.failure()).isSameAs(boom);
        assertThat(closer.failure()).isInstanceOf(IllegalStateException.class).hasMessageContaining("close before open");
        assertThat(tolerantCloser.thrownOrNull()).isNull();
        assertThat(p.isClosed()).isFalse();
        assertThat(p.isOpen()).isFalse();
        assertThat(p.shutdowns).hasValue(0);
    }

    @Test
    @Timeout(value = 10, threadMode = SEPARATE_THREAD)
    void aCloseWaitingForAFailedLaterStartupIsAnExtraClose(TestInfo info) {
        try (CapturedLog log = CapturedLog.start()) {
            Probe p = new Probe();
            p.open();
            p.close(); // the final close of cycle 1: this test method
            CountDownLatch inStartup = new CountDownLatch(1);
            CountDownLatch endStartup = new CountDownLatch(1);
            RuntimeException boom = new IllegalArgumentException("second startup failed");
            p.onStartup(q -> {
                inStartup.countDown();
                await(endStartup);
                throw boom;
            });
            Worker opener = Worker.run("opener", p::open);
            await(inStartup);
            Worker closer = Worker.run("closer", p::close).awaitWaiting();

            endStartup.countDown();

            assertThat(opener.failure()).isSameAs(boom);
            assertThat(closer.thrownOrNull()).isNull();
            assertThat(p.isClosed()).isTrue();
            assertThat(p.openCount()).isZero();
            assertThat(p.shutdowns).hasValue(1);
            assertThat(log.messages(Level.WARNING, p)).singleElement().asString()
                    .contains("final close came from")
                    .contains(info.getTestClass().orElseThrow().getName() + "."
                            + info.getTestMethod().orElseThrow().getName() + "(");
        }
    }

    @Test
    @Timeout(value = 10, threadMode = SEPARATE_THREAD)
    void anOpenerArrivingDuringAFinalShutdownWaitsAndThenRunsAFreshStartup() {
        CountDownLatch inShutdown = new CountDownLatch(1);
        CountDownLatch endShutdown = new CountDownLatch(1);
        List<String> events = new CopyOnWriteArrayList<>();
        Watch watch = new Watch();
        Probe p = watch.probe(
                q -> events.add("startup " + q.startups.get()),
                q -> {
                    events.add("shutdown " + q.shutdowns.get() + " begins");
                    if (q.shutdowns.get() == 1) {
                        inShutdown.countDown();
                        await(endShutdown);
                    }
                    events.add("shutdown " + q.shutdowns.get() + " ends");
                });
        p.open();
        Worker closer = Worker.run("closer", p::close);
        await(inShutdown);
        Worker reopener = Worker.start("reopener", () -> {
            p.open();
            return watch.isUp();
        }).awaitWaiting();

        assertThat(reopener.isDone()).isFalse();
        assertThat(p.startups).hasValue(1);
        endShutdown.countDown();

        closer.result();
        assertThat(reopener.result()).isEqualTo(true);
        assertThat(events).containsExactly("startup 1", "shutdown 1 begins", "shutdown 1 ends", "startup 2");
        assertThat(p.isOpen()).isTrue();
        assertThat(p.openCount()).isEqualTo(1);
        p.close();
        assertThat(p.shutdowns).hasValue(2);
        assertThat(watch.violations).isEmpty();
    }

    @Test
    @Timeout(value = 10, threadMode = SEPARATE_THREAD)
    void aCloseFromAnotherThreadDuringTheFinalShutdownIsAnExtraClose() {
        try (CapturedLog log = CapturedLog.start()) {
            CountDownLatch inShutdown = new CountDownLatch(1);
            CountDownLatch endShutdown = new CountDownLatch(1);
            Probe p = new Probe().onShutdown(q -> {
                inShutdown.countDown();
                await(endShutdown);
            });
            p.open();
            Worker closer = Worker.run("closer", p::close);
            await(inShutdown);

            Worker extra = Worker.run("extra-closer", p::close).awaitWaitingOrDone();
            endShutdown.countDown();

            closer.result();
            assertThat(extra.thrownOrNull()).isNull();
            assertThat(p.shutdowns).hasValue(1);
            assertThat(p.isClosed()).isTrue();
            assertThat(p.openCount()).isZero();
            assertThat(log.messages(Level.WARNING, p)).singleElement().asString().contains("final close came from");
            p.open();
            assertThat(p.openCount()).isEqualTo(1);
        }
    }

    @Test
    @Timeout(value = 20, threadMode = SEPARATE_THREAD)
    void manyJoinersAllReturnAfterTheFinalClose() {
        Probe p = new Probe();
        p.open();
        p.open();
        List<Worker> joiners = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            if (i % 2 == 0) {
                joiners.add(Worker.start("joiner-" + i, () -> {
                    p.join();
                    return p.isClosed();
                }));
            } else {
                joiners.add(Worker.start("timed-joiner-" + i, () -> p.join(PATIENCE) && p.isClosed()));
            }
        }
        joiners.forEach(Worker::awaitWaiting);

        p.close();
        joiners.forEach(Worker::awaitWaiting);
        assertThat(joiners).noneMatch(Worker::isDone);
        p.close();

        for (Worker joiner : joiners) {
            assertThat(joiner.result()).as("%s returned after the final close", joiner.thread().getName())
                    .isEqualTo(true);
        }
    }

    @Test
    @Timeout(value = 20, threadMode = SEPARATE_THREAD)
    void aFailingStartupFailsEveryOpenerThatWaitedForItAndTheNextOpensTryAfresh() {
        int openers = 8;
        int failingAttempts = 3;
        CountDownLatch inFirstAttempt = new CountDownLatch(1);
        CountDownLatch endFirstAttempt = new CountDownLatch(1);
        AtomicInteger attempts = new AtomicInteger();
        List<RuntimeException> thrown = new CopyOnWriteArrayList<>();
        Watch watch = new Watch();
        Probe p = watch.probe(q -> {
            int attempt = attempts.incrementAndGet();
            if (attempt == 1) {
                inFirstAttempt.countDown();
                await(endFirstAttempt);
            }
            if (attempt <= failingAttempts) {
                RuntimeException e = new IllegalStateException("attempt " + attempt + " failed");
                thrown.add(e);
                throw e;
            }
        }, q -> { });
        List<Worker> workers = new ArrayList<>();
        workers.add(Worker.start("opener-0", () -> {
            p.open();
            return watch.isUp();
        }));
        await(inFirstAttempt);
        for (int i = 1; i < openers; i++) {
            workers.add(Worker.start("opener-" + i, () -> {
                p.open();
                return watch.isUp();
            }).awaitWaiting());
        }

        endFirstAttempt.countDown();

        Set<Throwable> failures = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Worker w : workers) {
            assertThat(w.failure()).as("the first attempt's exception").isSameAs(thrown.get(0));
            failures.add(w.failure());
        }
        assertThat(attempts).as("the waiters started no attempt of their own").hasValue(1);
        assertThat(p.openCount()).isZero();
        assertThat(p.isOpen()).isFalse();

        // Later opens, racing: each failing attempt fails its starter and whoever joined it;
        // the attempt after the last failing one opens for everyone who comes.
        List<Worker> racers = startTogether(openers, "racer", () -> {
            for (;;) {
                try {
                    p.open();
                    check(watch.isUp() && p.isOpen(), "open returned but not open");
                    return;
                } catch (IllegalStateException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }
        });
        awaitAll(racers);
        assertThat(failures).as("every failure seen is an attempt's own").containsExactlyInAnyOrderElementsOf(thrown);
        assertThat(attempts).hasValue(failingAttempts + 1);
        assertThat(p.startupFailures()).isEqualTo(failingAttempts);
        assertThat(p.startups()).isEqualTo(1);
        assertThat(p.openCount()).isEqualTo(openers);
        assertThat(watch.violations).isEmpty();
    }

    @Test
    @Timeout(value = 20, threadMode = SEPARATE_THREAD)
    void joinersAreAllReleasedWhenTheFinalShutdownThrowsAndUseGoesOnAfterwards() {
        RuntimeException boom = new IllegalStateException("shutdown failed");
        Watch watch = new Watch();
        AtomicBoolean failShutdown = new AtomicBoolean(true);
        Probe p = watch.probe(q -> { }, q -> {
            if (failShutdown.getAndSet(false)) {
                throw boom;
            }
        });
        p.open();
        List<Worker> joiners = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            joiners.add(Worker.start("joiner-" + i, () -> {
                p.join();
                return p.isClosed();
            }).awaitWaiting());
        }

        assertThat(catchThrowable(p::close)).isSameAs(boom);

        for (Worker joiner : joiners) {
            assertThat(joiner.result()).isEqualTo(true);
        }
        assertThat(p.isClosed()).isTrue();
        awaitAll(startTogether(8, "cycler", () -> {
            for (int i = 0; i < 1_000; i++) {
                p.open();
                check(watch.isUp() && p.isOpen(), "open returned but not open");
                p.close();
            }
        }));
        assertThat(p.isClosed()).isTrue();
        assertThat(p.openCount()).isZero();
        assertThat(p.startups.get()).isGreaterThan(1).isEqualTo(p.shutdowns.get());
        assertThat(watch.violations).isEmpty();
    }

    /** A failure a test planned, to tell it apart from anything unexpected. */
    static final class PlannedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PlannedFailure(String message) {
            super(message);
        }
    }

    @Test
    @Timeout(value = 30, threadMode = SEPARATE_THREAD)
    void countsStayExactWhenStartupsAndShutdownsFailUnderContention() {
        try (CapturedLog log = CapturedLog.start()) {
            AtomicInteger startupFailuresThrown = new AtomicInteger();
            AtomicInteger shutdownFailuresThrown = new AtomicInteger();
            Watch watch = new Watch();
            Probe p = watch.probe(
                    q -> {
                        if (q.startups.get() % 3 == 0) {
                            startupFailuresThrown.incrementAndGet();
                            throw new PlannedFailure("startup " + q.startups.get());
                        }
                    },
                    q -> {
                        if (q.shutdowns.get() % 4 == 0) {
                            shutdownFailuresThrown.incrementAndGet();
                            throw new IOException("shutdown " + q.shutdowns.get());
                        }
                    });
            AtomicInteger startupFailuresSeen = new AtomicInteger();
            AtomicInteger shutdownFailuresSeen = new AtomicInteger();
            AtomicInteger opensDone = new AtomicInteger();

            awaitAll(startTogether(8, "cycler", () -> {
                for (int i = 0; i < 2_000; i++) {
                    try {
                        p.open();
                    } catch (PlannedFailure e) {
                        startupFailuresSeen.incrementAndGet();
                        continue;
                    }
                    opensDone.incrementAndGet();
                    check(watch.isUp() && p.isOpen(), "open returned but not open");
                    try {
                        p.close();
                    } catch (LifecycleException e) {
                        check(e.getCause() instanceof IOException, "unexpected %s", e);
                        shutdownFailuresSeen.incrementAndGet();
                    }
                }
            }));

            // An attempt's failure reaches its starter and every open that joined it.
            assertThat(startupFailuresSeen.get()).isGreaterThanOrEqualTo(startupFailuresThrown.get());
            assertThat(startupFailuresThrown.get()).isPositive();
            assertThat(p.startupFailures()).isEqualTo(startupFailuresThrown.get());
            assertThat(p.startups()).isEqualTo(watch.successfulStartups.get());
            assertThat(p.shutdowns()).isEqualTo(p.shutdowns.get());
            assertThat(shutdownFailuresSeen.get()).isPositive().isEqualTo(shutdownFailuresThrown.get());
            assertThat(p.startups.get()).isEqualTo(watch.successfulStartups.get() + startupFailuresThrown.get());
            assertThat(watch.successfulStartups.get()).isEqualTo(p.shutdowns.get());
            assertThat(opensDone.get()).isEqualTo(8 * 2_000 - startupFailuresSeen.get());
            assertThat(p.isClosed()).isTrue();
            assertThat(p.openCount()).isZero();
            assertThat(watch.violations).isEmpty();
            assertThat(log.allMessages(p)).as("no extra close was ever seen").isEmpty();
        }
    }
}
