package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
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
    private void runTogether(int n, Worker body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(n);
        List<Future<Void>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            Callable<Void> task = () -> {
                start.await(10, TimeUnit.SECONDS);
                body.run(index);
                return null;
            };
            futures.add(executor.submit(task));
        }
        for (Future<Void> future : futures) {
            future.get(30, TimeUnit.SECONDS);
        }
    }

    @FunctionalInterface
    interface Worker {
        void run(int index) throws Exception;
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
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aWorkerPollingIsCancelledStopsAfterACancelFromAnotherThread() throws Exception {
        RunState rs = new RunState("poller").start();
        CountDownLatch polling = new CountDownLatch(1);
        Future<Long> worker = executor.submit(() -> {
            // Run the loop often enough for the JIT to compile it before the cancel can arrive:
            // a cancelled flag that is not re-read each time round would then never be seen.
            for (int i = 0; i < 3_000; i++) {
                pollUntilCancelled(rs, 100_000);
            }
            polling.countDown();
            long n = pollUntilCancelled(rs, Long.MAX_VALUE);
            rs.stop();
            return n;
        });
        assertThat(polling.await(5, TimeUnit.SECONDS)).isTrue();
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
}
