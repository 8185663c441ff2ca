package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Black-box tests of {@link RunState} used from several threads at once. */
class RunStateConcurrencyTest {

    private static final int THREADS = 8;

    private final ExecutorService executor = Executors.newFixedThreadPool(THREADS + 2);

    @AfterEach
    void stopExecutor() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Runs {@code body(worker index)} in {@code n} threads released together; rethrows failures. */
    private void runTogether(int n, Together.Worker body) throws Exception {
        Together.run(executor, n, body, Duration.ofSeconds(30));
    }

    /** The worker's tight loop: polls until cancelled or {@code max} polls. */
    private static long pollUntilCancelled(RunState rs, long max) {
        long n = 0;
        while (!rs.isCancelled() && n < max) {
            n++;
        }
        return n;
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aWorkerPollingIsCancelledStopsAfterACancelFromAnotherThread() throws Exception {
        RunState rs = new RunState("poller").start();
        CountDownLatch polling = new CountDownLatch(1);
        Future<Long> worker = executor.submit(() -> {
            // Run the loop often enough for the JIT to compile it before the cancel can arrive:
            // a cancelled flag that is not re-read each time round would then never be seen.
            // (6e7 polls: a fraction of a second, but seconds on a machine shared by builds.)
            for (int i = 0; i < 3_000; i++) {
                pollUntilCancelled(rs, 20_000);
            }
            polling.countDown();
            long n = pollUntilCancelled(rs, Long.MAX_VALUE);
            rs.stop();
            return n;
        });
        assertThat(polling.await(45, TimeUnit.SECONDS)).isTrue();
        rs.cancel();
        assertThat(worker.get(5, TimeUnit.SECONDS)).isLessThan(Long.MAX_VALUE);
        assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void workersRunningBodiesAllSeeOneCancel() throws Exception {
        RunState rs = new RunState("crew").start();
        CyclicBarrier started = new CyclicBarrier(THREADS + 1);
        List<Future<Long>> workers = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            workers.add(executor.submit(() -> {
                started.await(5, TimeUnit.SECONDS);
                long n = 0;
                while (!rs.isCancelled()) {
                    n++;
                }
                return n;
            }));
        }
        started.await(5, TimeUnit.SECONDS);
        rs.cancel();
        for (Future<Long> worker : workers) {
            worker.get(5, TimeUnit.SECONDS);
        }
        assertThat(rs.isStopping()).isTrue();
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void concurrentStartStopAndCancelKeepListenerCountsConsistent() throws Exception {
        int rounds = 20_000;
        for (int trial = 0; trial < 5; trial++) {
            RunState rs = new RunState("contended");
            AtomicInteger starts = new AtomicInteger();
            AtomicInteger ends = new AtomicInteger();
            AtomicInteger cancels = new AtomicInteger();
            AtomicInteger cancelCalls = new AtomicInteger();
            ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
            rs.onStart(r -> {
                starts.incrementAndGet();
                if (r != rs) {
                    violations.add("start listener got " + r);
                }
                if (r.startTime().isEmpty()) {
                    violations.add("started without a start time");
                }
            });
            rs.onEnd(r -> ends.incrementAndGet());
            rs.onCancel(r -> cancels.incrementAndGet());

            runTogether(THREADS, index -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < rounds; i++) {
                    switch (random.nextInt(7)) {
                        case 0 -> rs.start();
                        case 1 -> rs.setRunning(true);
                        case 2 -> rs.stop();
                        case 3 -> rs.setRunning(false);
                        case 4 -> rs.end();
                        case 5 -> {
                            rs.cancel();
                            cancelCalls.incrementAndGet();
                        }
                        default -> {
                            // A start listener runs after the change: once one has run, never PENDING again.
                            boolean startListenerRan = starts.get() > 0;
                            RunState.State state = rs.state();
                            if (startListenerRan && state == RunState.State.PENDING) {
                                violations.add("PENDING after a start");
                            }
                            if (rs.runTime().isNegative() || rs.totalTime().isNegative()) {
                                violations.add("negative time");
                            }
                        }
                    }
                }
            });

            assertThat(violations).isEmpty();
            int expectedRunning = rs.isRunning() ? 1 : 0;
            assertThat(starts.get() - ends.get()).as("starts - ends, trial %d", trial).isEqualTo(expectedRunning);
            assertThat(cancels).hasValue(cancelCalls.get());
            assertThat(starts.get()).isPositive();
            // The final state agrees with its flags.
            RunState.State state = rs.state();
            assertThat(state).isNotEqualTo(RunState.State.PENDING);
            assertThat(state == RunState.State.RUNNING || state == RunState.State.STOPPING)
                    .isEqualTo(rs.isRunning());
            assertThat(state == RunState.State.STOPPING || state == RunState.State.CANCELLED)
                    .isEqualTo(rs.isCancelled());
            // One more stop settles it: every start has its end.
            rs.stop();
            assertThat(ends).hasValue(starts.get());
            assertThat(rs.runTime()).isLessThanOrEqualTo(rs.totalTime());
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void runsAndCallsOfOneRunStateFromManyThreadsNeverOverlap() throws Exception {
        // Each thread runs bodies of the same RunState, some of them after a cancel. One body at a
        // time: the others are refused with IllegalStateException, and no body ever sees the
        // RunState stopped (or another body) while it runs. Before the third round a second body
        // ran beside the first, and whichever ended first stopped the RunState under the other.
        RunState rs = new RunState("one body");
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger bodies = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        /** Runs that found the RunState cancelled and no body running: started and stopped, no body. */
        AtomicInteger cancelledRuns = new AtomicInteger();
        AtomicInteger starts = new AtomicInteger();
        AtomicInteger ends = new AtomicInteger();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        rs.onStart(r -> starts.incrementAndGet());
        rs.onEnd(r -> ends.incrementAndGet());
        int rounds = 2_000;
        runTogether(THREADS, index -> {
            for (int i = 0; i < rounds; i++) {
                boolean cancelFirst = (i + index) % 5 == 0;
                if (cancelFirst) {
                    rs.cancel();
                }
                boolean[] ran = {false};
                Callable<Boolean> body = () -> {
                    ran[0] = true;
                    if (inside.incrementAndGet() != 1) {
                        violations.add("two bodies at once");
                    }
                    for (int spin = 0; spin < 50; spin++) {
                        if (!rs.isRunning()) {
                            violations.add("stopped while its body runs");
                        }
                        Thread.onSpinWait();
                    }
                    if (RunState.current().orElse(null) != rs) {
                        violations.add("not current in its body");
                    }
                    inside.decrementAndGet();
                    bodies.incrementAndGet();
                    return true;
                };
                try {
                    if (i % 2 == 0) {
                        rs.run(() -> {
                            try {
                                body.call();
                            } catch (Exception e) {
                                throw new AssertionError(e);
                            }
                        });
                    } else {
                        rs.call(body);
                    }
                    if (!ran[0]) {
                        cancelledRuns.incrementAndGet(); // run() of a cancelled RunState, no body running
                    }
                } catch (CancellationException e) { // (an IllegalStateException too: caught first)
                    cancelledRuns.incrementAndGet(); // call() of a cancelled RunState, no body running
                } catch (IllegalStateException e) {
                    if (!e.getMessage().contains(rs.name())) {
                        violations.add("a refusal that does not name the RunState: " + e.getMessage());
                    }
                    refused.incrementAndGet();
                }
                if (cancelFirst) {
                    rs.start(); // clears the cancel for the next rounds; a running body goes on
                }
            }
        });
        assertThat(violations).isEmpty();
        assertThat(bodies.get()).as("bodies ran").isPositive();
        assertThat(refused.get()).as("runs refused while another body ran").isPositive();
        assertThat(bodies.get() + refused.get() + cancelledRuns.get()).as("every attempt accounted for")
                .isEqualTo(THREADS * rounds);
        rs.stop(); // a start() above may have come after the last body
        assertThat(ends).as("every start has its end").hasValue(starts.get());
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void startAndStopFromManyThreadsPairUp() throws Exception {
        RunState rs = new RunState("pairs");
        AtomicInteger starts = new AtomicInteger();
        AtomicInteger ends = new AtomicInteger();
        rs.onStart(r -> starts.incrementAndGet());
        rs.onEnd(r -> ends.incrementAndGet());

        runTogether(THREADS, index -> {
            for (int i = 0; i < 20_000; i++) {
                if ((i + index) % 2 == 0) {
                    rs.start();
                } else {
                    rs.stop();
                }
            }
        });
        rs.stop();
        assertThat(ends).hasValue(starts.get());
        assertThat(starts.get()).isPositive();
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void oneCancelWakesEverySleeper() throws Exception {
        RunState rs = new RunState("sleepers").start();
        List<Thread> sleepers = new CopyOnWriteArrayList<>();
        CountDownLatch about = new CountDownLatch(THREADS);
        List<Future<Boolean>> slept = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            slept.add(executor.submit(() -> {
                sleepers.add(Thread.currentThread());
                about.countDown();
                return rs.sleep(Duration.ofSeconds(30));
            }));
        }
        assertThat(about.await(5, TimeUnit.SECONDS)).isTrue();
        for (Thread sleeper : sleepers) {
            RunStateTest.awaitWaiting(sleeper);
        }
        rs.cancel();
        for (Future<Boolean> future : slept) {
            assertThat(future.get(5, TimeUnit.SECONDS)).isFalse();
        }
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void sleepersOfOtherRunStatesAreNotWoken() throws Exception {
        RunState mine = new RunState("mine");
        RunState other = new RunState("other");
        CountDownLatch about = new CountDownLatch(1);
        AtomicReference<Thread> sleeper = new AtomicReference<>();
        Future<Boolean> slept = executor.submit(() -> {
            sleeper.set(Thread.currentThread());
            about.countDown();
            return mine.sleep(Duration.ofMillis(200));
        });
        assertThat(about.await(5, TimeUnit.SECONDS)).isTrue();
        RunStateTest.awaitWaiting(sleeper.get());
        other.cancel();
        assertThat(slept.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(mine.isCancelled()).isFalse();
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void listenersMayBeAddedAndRemovedWhileOthersAreCalled() throws Exception {
        RunState rs = new RunState("churn");
        AtomicInteger steadyCalls = new AtomicInteger();
        rs.onCancel(r -> steadyCalls.incrementAndGet());
        int cancels = 20_000;
        AtomicBoolean stop = new AtomicBoolean();
        Future<Void> churner = executor.submit(() -> {
            while (!stop.get()) {
                Registration r = rs.onCancel(s -> { });
                r.close();
            }
            return null;
        });
        for (int i = 0; i < cancels; i++) {
            rs.cancel();
        }
        stop.set(true);
        churner.get(5, TimeUnit.SECONDS);
        assertThat(steadyCalls).hasValue(cancels);
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void idsAreUniqueAcrossThreads() throws Exception {
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        int perThread = 5_000;
        runTogether(THREADS, index -> {
            for (int i = 0; i < perThread; i++) {
                ids.add(new RunState().id());
            }
        });
        assertThat(ids).hasSize(THREADS * perThread);
    }

    // -------------------------------------------------------------------------- second round

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void pauseAndResumeRacingCancelLoseNoWakeupAndLeaveNoPause() throws Exception {
        for (int trial = 0; trial < 100; trial++) {
            RunState rs = new RunState("pausable").start();
            rs.pause();
            AtomicInteger waits = new AtomicInteger();
            ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
            int cancelAfter = ThreadLocalRandom.current().nextInt(500);
            runTogether(THREADS, index -> {
                if (index == 0) {
                    for (int i = 0; i < cancelAfter; i++) {
                        Thread.onSpinWait();
                    }
                    rs.cancel();
                } else if (index < 3) {
                    // Togglers: pause and resume until cancelled (then a pause does nothing).
                    for (int i = 0; i < 10_000 && !rs.isCancelled(); i++) {
                        try {
                            rs.pause();
                        } catch (IllegalStateException e) {
                            violations.add("pause refused while running: " + e.getMessage());
                            return;
                        }
                        rs.resume();
                    }
                } else {
                    // Waiters: wait out every pause until cancelled; a lost wakeup hangs here.
                    while (!rs.isCancelled()) {
                        rs.waitWhilePaused();
                        waits.incrementAndGet();
                    }
                }
            });
            assertThat(violations).as("trial %d", trial).isEmpty();
            assertThat(rs.state()).isEqualTo(RunState.State.STOPPING);
            assertThat(rs.isPaused()).as("a pause that came after the cancel").isFalse();
            rs.pause();
            assertThat(rs.isPaused()).as("a pause after the cancel does nothing").isFalse();
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void childrenMadeWhileTheParentIsCancelledAreAllCancelled() throws Exception {
        for (int trial = 0; trial < 50; trial++) {
            RunState parent = new RunState("parent").start();
            Queue<RunState> made = new ConcurrentLinkedQueue<>();
            int cancelAfter = ThreadLocalRandom.current().nextInt(200);
            runTogether(THREADS, index -> {
                if (index == 0) {
                    for (int i = 0; i < cancelAfter; i++) {
                        made.add(parent.child("early-" + i));
                    }
                    parent.cancel();
                    return;
                }
                for (int i = 0; i < 200; i++) {
                    RunState child = parent.child("child-" + index + "-" + i);
                    if (i % 2 == 0) {
                        child.start();
                    }
                    made.add(child);
                }
            });
            List<RunState> notCancelled = made.stream().filter(c -> !c.isCancelled()).toList();
            assertThat(notCancelled).as("trial %d: children that missed the cancel", trial).isEmpty();
            assertThat(parent.children()).as("every child is live, so listed").hasSize(made.size());
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void childrenStartingAndStoppingWhileTheParentCancelsEndUpCancelled() throws Exception {
        for (int trial = 0; trial < 50; trial++) {
            RunState parent = new RunState("parent").start();
            List<RunState> children = new ArrayList<>();
            for (int i = 1; i < THREADS; i++) {
                children.add(parent.child("cycling-" + i));
            }
            int cancelAfter = ThreadLocalRandom.current().nextInt(2_000);
            runTogether(THREADS, index -> {
                if (index == 0) {
                    for (int i = 0; i < cancelAfter; i++) {
                        Thread.onSpinWait();
                    }
                    parent.cancel();
                    return;
                }
                RunState child = children.get(index - 1);
                for (int i = 0; i < 300; i++) {
                    child.start();
                    child.stop();
                }
                child.start(); // before or after the cancel: either way it must end up cancelled
            });
            for (RunState child : children) {
                assertThat(child.state()).as("trial %d, %s", trial, child).isEqualTo(RunState.State.STOPPING);
            }
            assertThat(parent.children()).containsExactlyElementsOf(children);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void progressReadWhileWrittenLosesNoCountAndIsAlwaysConsistent() throws Exception {
        int writers = THREADS / 2;
        int perWriter = 20_000;
        long high = (long) writers * perWriter;
        RunState rs = new RunState("progress").start();
        rs.setTotal(high);
        AtomicInteger writersDone = new AtomicInteger();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger refused = new AtomicInteger();
        runTogether(THREADS, index -> {
            if (index < writers) {
                // Writers: each adds perWriter, retrying what a low total refused.
                for (int mine = 0; mine < perWriter; ) {
                    try {
                        rs.advance(1);
                        mine++;
                    } catch (IllegalArgumentException e) {
                        refused.incrementAndGet();
                        Thread.onSpinWait();
                    }
                }
                writersDone.incrementAndGet();
            } else if (index == writers) {
                // Lowers the total to just above the count, then raises it again.
                while (writersDone.get() < writers) {
                    long d = rs.progress().done();
                    try {
                        rs.setTotal(d + 2);
                        // Hold the low total until the writers reach it (or a while), so they hit it.
                        for (int spins = 0; spins < 10_000 && rs.progress().done() < d + 2; spins++) {
                            Thread.onSpinWait();
                        }
                    } catch (IllegalArgumentException e) {
                        // the count moved past d + 2 first: refused, and changed nothing
                    }
                    rs.setTotal(high);
                }
            } else {
                // Readers: the pair is consistent and the count never goes back.
                long last = 0;
                while (writersDone.get() < writers) {
                    RunState.Progress p = rs.progress();
                    if (p.total() != 0 && p.done() > p.total()) {
                        violations.add("done above total: " + p);
                    }
                    if (p.done() < last) {
                        violations.add("the count went back from " + last + " to " + p.done());
                    }
                    last = p.done();
                }
            }
        });
        assertThat(violations).isEmpty();
        assertThat(rs.progress()).isEqualTo(new RunState.Progress(high, high, ""));
        assertThatThrownBy(() -> rs.advance(1)).isInstanceOf(IllegalArgumentException.class);
        System.out.println("progress contention: " + refused.get() + " advances refused by a lowered total, retried");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCancelPollCancelsOnceUnderContention() throws Exception {
        for (int trial = 0; trial < 200; trial++) {
            AtomicBoolean stop = new AtomicBoolean();
            RunState rs = new RunState("polled", stop::get).start();
            AtomicInteger cancels = new AtomicInteger();
            rs.onCancel(r -> cancels.incrementAndGet());
            int flipAfter = ThreadLocalRandom.current().nextInt(200);
            runTogether(THREADS, index -> {
                if (index == 0) {
                    for (int i = 0; i < flipAfter; i++) {
                        Thread.onSpinWait();
                    }
                    stop.set(true);
                }
                while (!rs.isCancelled()) {
                    Thread.onSpinWait();
                }
            });
            assertThat(cancels).as("trial %d", trial).hasValue(1);
            assertThat(rs.state()).isEqualTo(RunState.State.STOPPING);
        }
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void currentDoesNotLeakToTheNextTaskOfAPooledThread() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            RunState failing = new RunState("failing");
            Future<?> first = single.submit(() -> failing.run(() -> {
                throw new IllegalStateException("body failed");
            }));
            assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
            assertThat(single.submit(RunState::current).get(5, TimeUnit.SECONDS)).isEmpty();
        } finally {
            single.shutdownNow();
            assertThat(single.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }
}
