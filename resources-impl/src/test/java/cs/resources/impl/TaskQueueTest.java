package cs.resources.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.ClosedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The task service's admission, without a framework: never more jobs at once than the limit,
 * also right after the limit is lowered; submission order; removal of a queued job; stop.
 */
class TaskQueueTest {

    static final Duration PATIENCE = Duration.ofSeconds(20);
    final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void shutDown() {
        threads.shutdownNow();
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(200_000L);
        }
    }

    /** A job that says it started and waits to be let go. */
    static final class Gated implements Runnable {
        final String name;
        final List<String> started;
        final CountDownLatch go = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);

        Gated(String name, List<String> started) {
            this.name = name;
            this.started = started;
        }

        @Override
        public void run() {
            started.add(name);
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.countDown();
            }
        }
    }

    @Test
    void startsInSubmissionOrderAndNoMoreThanTheLimit() throws Exception {
        TaskQueue q = new TaskQueue(threads, 2);
        List<String> started = new CopyOnWriteArrayList<>();
        List<Gated> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Gated g = new Gated("job-" + i, started);
            jobs.add(g);
            q.submit(g, "refused");
        }
        await(() -> started.size() == 2, "two started");
        // The two run at once, so either may say so first; the queue's order shows in the third.
        assertThat(started).containsExactlyInAnyOrder("job-0", "job-1");
        assertThat(q.queued()).isEqualTo(3);
        jobs.get(0).go.countDown();
        await(() -> started.size() == 3, "a third started");
        assertThat(started.get(2)).isEqualTo("job-2");
        jobs.forEach(j -> j.go.countDown());
        await(() -> started.size() == 5 && q.running() == 0, "all ran");
        assertThat(q.mostRunning()).isEqualTo(2);
    }

    @Test
    void afterTheLimitIsLoweredNoJobStartsUntilFewerThanTheNewLimitRun() throws Exception {
        TaskQueue q = new TaskQueue(threads, 3);
        List<String> started = new CopyOnWriteArrayList<>();
        List<Gated> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Gated g = new Gated("job-" + i, started);
            jobs.add(g);
            q.submit(g, "refused");
        }
        await(() -> started.size() == 3, "three started");
        q.setLimit(1);
        jobs.get(0).go.countDown();
        jobs.get(0).done.await();
        await(() -> q.running() == 2, "job-0 finished");
        jobs.get(1).go.countDown();
        jobs.get(1).done.await();
        await(() -> q.running() == 1, "job-1 finished");
        assertThat(started).as("nothing new while two, then one, ran under a limit of 1").hasSize(3);
        assertThat(q.queued()).isEqualTo(3);
        jobs.get(2).go.countDown();
        await(() -> started.size() == 4, "job-3 started once nothing ran");
        assertThat(q.running()).isEqualTo(1);
        jobs.forEach(j -> j.go.countDown());
        await(() -> started.size() == 6 && q.running() == 0, "all ran");
    }

    @Test
    void reconfiguredAHundredTimesUnderLoadNeverRunsMoreThanAllowed() throws Exception {
        TaskQueue q = new TaskQueue(threads, 4);
        AtomicInteger active = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        // The limit every job admitted from now on is held to; jobs admitted before a lowering
        // are excluded by the epoch they carry.
        AtomicInteger epoch = new AtomicInteger();
        int[] limitOfEpoch = new int[201];
        limitOfEpoch[0] = 4;
        for (int round = 1; round <= 100; round++) {
            int limit = 1 + (round % 4);
            // Lower or raise the limit, then wait until no job of an earlier epoch runs.
            q.setLimit(limit);
            await(() -> q.running() <= limit, "running within the new limit");
            int e = epoch.incrementAndGet();
            limitOfEpoch[e] = limit;
            int jobs = 12;
            CountDownLatch finished = new CountDownLatch(jobs);
            for (int j = 0; j < jobs; j++) {
                q.submit(() -> {
                    int now = active.incrementAndGet();
                    int myEpoch = epoch.get();
                    if (myEpoch == e && now > limitOfEpoch[e]) {
                        violations.incrementAndGet();
                    }
                    Thread.onSpinWait();
                    active.decrementAndGet();
                    ran.incrementAndGet();
                    finished.countDown();
                }, "refused");
            }
            assertThat(finished.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("round %d finished", round).isTrue();
        }
        assertThat(violations).hasValue(0);
        assertThat(ran).hasValue(1200);
    }

    @Test
    void aRemovedJobNeverStartsAndAStoppedQueueRefusesAndGivesBackWhatWaited() throws Exception {
        TaskQueue q = new TaskQueue(threads, 1);
        List<String> started = new CopyOnWriteArrayList<>();
        Gated first = new Gated("first", started);
        Gated second = new Gated("second", started);
        Gated third = new Gated("third", started);
        q.submit(first, "refused");
        q.submit(second, "refused");
        q.submit(third, "refused");
        await(() -> started.size() == 1, "first started");
        assertThat(q.remove(second)).isTrue();
        assertThat(q.remove(second)).isFalse();
        assertThat(q.remove(first)).as("a running job is not queued").isFalse();

        assertThat(q.stop()).containsExactly(third);
        assertThat(q.isStopped()).isTrue();
        assertThatThrownBy(() -> q.submit(new Gated("late", started), "submit(late): shut down"))
                .isInstanceOf(ClosedException.class).hasMessage("submit(late): shut down");
        first.go.countDown();
        await(() -> q.running() == 0, "first finished");
        assertThat(started).containsExactly("first");
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> new TaskQueue(threads, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threads must be at least 1, not 0");
        TaskQueue q = new TaskQueue(threads, 2);
        assertThatThrownBy(() -> q.setLimit(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threads must be at least 1, not -1");
    }
}
