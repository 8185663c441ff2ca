package cs.resources;

import static cs.resources.MultiOpenTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD;

import cs.resources.MultiOpenTestSupport.CapturedLog;
import cs.resources.MultiOpenTestSupport.Probe;
import cs.resources.MultiOpenTestSupport.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Handles ({@link MultiOpen#acquire()}): each owns one open; closing it releases exactly that one,
 * once, whatever else happens.
 */
class MultiOpenHandleTest {

    @Nested
    class OneHandle {
        @Test
        void acquireOpensAndItsCloseReleasesThatOpenOnce() {
            Probe p = new Probe();
            MultiOpen.Handle h = p.acquire();
            assertThat(h.multiOpen()).isSameAs(p);
            assertThat(h.isClosed()).isFalse();
            assertThat(p.isOpen()).isTrue();
            assertThat(p.startups).hasValue(1);

            h.close();
            assertThat(h.isClosed()).isTrue();
            assertThat(p.isClosed()).isTrue();
            assertThat(p.shutdowns).hasValue(1);
            try (CapturedLog log = CapturedLog.start()) {
                h.close(); // harmless: no exception, no extra-close warning, no count change
                h.close();
                assertThat(log.allMessages(p)).isEmpty();
            }
            assertThat(p.shutdowns).hasValue(1);
            assertThat(p.openCount()).isZero();
        }

        @Test
        void aSecondCloseOfAHandleNeverReleasesSomeoneElsesOpen() {
            Probe p = new Probe();
            MultiOpen.Handle mine = p.acquire();
            MultiOpen.Handle theirs = p.acquire();
            mine.close();
            mine.close();
            mine.close();
            assertThat(p.openCount()).isEqualTo(1);
            assertThat(p.isOpen()).isTrue();
            assertThat(theirs.isClosed()).isFalse();
            theirs.close();
            assertThat(p.isClosed()).isTrue();
            assertThat(p.shutdowns).hasValue(1);
        }

        @Test
        void handlesAndPlainOpensShareOneCount() {
            Probe p = new Probe();
            p.open();
            try (MultiOpen.Handle h = p.acquire()) {
                assertThat(p.openCount()).isEqualTo(2);
                assertThat(h.multiOpen().openCount()).isEqualTo(2);
            }
            assertThat(p.openCount()).isEqualTo(1);
            p.close();
            assertThat(p.shutdowns).hasValue(1);
        }

        @Test
        void theFinalCloseThroughAHandleRunsShutdownAndReportsItsFailure() {
            Probe p = new Probe().onShutdown(q -> {
                throw new java.io.IOException("disk gone");
            });
            MultiOpen.Handle h = p.acquire();
            assertThatThrownBy(h::close).isInstanceOf(LifecycleException.class).hasCauseInstanceOf(java.io.IOException.class);
            assertThat(h.isClosed()).isTrue();
            assertThat(p.isClosed()).isTrue();
            h.close(); // a later close does nothing and throws nothing
        }

        @SuppressWarnings("try") // the resource is there to be closed
        @Test
        void aFailedStartupThrowsFromAcquireAndCountsNothing() {
            AtomicInteger attempts = new AtomicInteger();
            Probe p = new Probe().onStartup(q -> {
                if (attempts.incrementAndGet() == 1) {
                    throw new IllegalStateException("not yet");
                }
            });
            assertThatThrownBy(p::acquire).isInstanceOf(IllegalStateException.class).hasMessage("not yet");
            assertThat(p.openCount()).isZero();
            assertThat(p.isClosed()).isFalse();
            assertThat(p.lastStartupFailure()).get().extracting(Throwable::getMessage).isEqualTo("not yet");
            try (MultiOpen.Handle h = p.acquire()) {
                assertThat(p.openCount()).isEqualTo(1);
                assertThat(p.lastStartupFailure()).isEmpty();
            }
        }

        @Test
        void theDefaultAcquireOfAnyMultiOpenOwnsOneOpen() {
            // A MultiOpen that is not built on AbstractMultiOpen: its acquire() is the default.
            Probe inner = new Probe();
            MultiOpen plain = new MultiOpen() {
                @Override
                public MultiOpen open() {
                    inner.open();
                    return this;
                }

                @Override
                public void close() {
                    inner.close();
                }

                @Override
                public void close(CloseOption... options) {
                    inner.close(options);
                }

                @Override
                public boolean isOpen() {
                    return inner.isOpen();
                }

                @Override
                public boolean isClosed() {
                    return inner.isClosed();
                }

                @Override
                public int openCount() {
                    return inner.openCount();
                }

                @Override
                public void join() {
                    inner.join();
                }

                @Override
                public boolean join(Duration timeout) {
                    return inner.join(timeout);
                }
            };
            MultiOpen.Handle a = plain.acquire();
            MultiOpen.Handle b = plain.acquire();
            assertThat(a.multiOpen()).isSameAs(plain);
            a.close();
            a.close();
            assertThat(inner.openCount()).isEqualTo(1);
            b.close();
            assertThat(inner.isClosed()).isTrue();
            assertThat(plain.lastStartupFailure()).isEmpty();
        }

        @Test
        void aHandleNamesWhatItOpened() {
            Probe p = new Probe();
            MultiOpen.Handle h = p.acquire();
            assertThat(h).hasToString("Handle of " + p);
            h.close();
            assertThat(h).hasToString("Handle of " + p + " (closed)");
        }
    }

    @Nested
    class Contention {
        @Test
        @Timeout(value = 60, threadMode = SEPARATE_THREAD)
        void concurrentClosesOfOneHandleReleaseItsOpenOnce() throws Exception {
            Probe p = new Probe();
            MultiOpen.Handle keeper = p.acquire();
            for (int round = 0; round < 2_000; round++) {
                MultiOpen.Handle h = p.acquire();
                CyclicBarrier start = new CyclicBarrier(2);
                Worker a = Worker.run("a", () -> {
                    start.await();
                    h.close();
                });
                Worker b = Worker.run("b", () -> {
                    start.await();
                    h.close();
                });
                a.result();
                b.result();
                assertThat(p.openCount()).as("round %d", round).isEqualTo(1);
            }
            keeper.close();
            assertThat(p.startups).hasValue(1);
            assertThat(p.shutdowns).hasValue(1);
        }

        @SuppressWarnings("try") // the resource is there to be closed
        @Test
        @Timeout(value = 60, threadMode = SEPARATE_THREAD)
        void handlesAcquiredAndClosedUnderContentionKeepTheCountExact() throws Exception {
            Probe p = new Probe();
            int threads = 4;
            int rounds = 20_000;
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Worker> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(Worker.run("w" + t, () -> {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        try (MultiOpen.Handle h = p.acquire()) {
                            if (!p.isOpen()) {
                                throw new AssertionError("not open while a handle is held");
                            }
                            h.close(); // twice: the try's close is the second
                        }
                    }
                }));
            }
            for (Worker w : workers) {
                w.result();
            }
            assertThat(p.openCount()).isZero();
            assertThat(p.startups.get()).isEqualTo(p.shutdowns.get()).isPositive();
        }
    }

    /**
     * Opens that wait for another thread's startup are counted into that startup's cycle: the
     * starter's close cannot end the cycle under them (the convoy of issue 9).
     */
    @Nested
    class WaitersJoinTheCycle {
        @Test
        @Timeout(value = 30, threadMode = SEPARATE_THREAD)
        void theStartersCloseDoesNotEndACycleAWaiterJoined() {
            CountDownLatch inStartup = new CountDownLatch(1);
            CountDownLatch endStartup = new CountDownLatch(1);
            Probe p = new Probe().onStartup(q -> {
                inStartup.countDown();
                await(endStartup);
            });
            Worker starter = Worker.run("starter", () -> {
                p.open();
                p.close(); // at once: before, this ran shutdown and the waiter started a new cycle
            });
            await(inStartup);
            Worker waiter = Worker.start("waiter", () -> {
                MultiOpen.Handle h = p.acquire();
                return h;
            }).awaitWaiting();
            endStartup.countDown();
            starter.result();
            MultiOpen.Handle h = (MultiOpen.Handle) waiter.result();
            assertThat(p.startups).hasValue(1);
            assertThat(p.shutdowns).hasValue(0);
            assertThat(p.openCount()).isEqualTo(1);
            h.close();
            assertThat(p.shutdowns).hasValue(1);
        }

        @Test
        @Timeout(value = 30, threadMode = SEPARATE_THREAD)
        void waitersOfAFailedStartupFailWithItsOwnExceptionInOneAttempt() {
            CountDownLatch inStartup = new CountDownLatch(1);
            CountDownLatch endStartup = new CountDownLatch(1);
            AtomicInteger attempts = new AtomicInteger();
            IllegalStateException boom = new IllegalStateException("first startup fails");
            Probe p = new Probe().onStartup(q -> {
                if (attempts.incrementAndGet() == 1) {
                    inStartup.countDown();
                    await(endStartup);
                    throw boom;
                }
            });
            Worker starter = Worker.run("starter", p::open);
            await(inStartup);
            List<Worker> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiters.add(Worker.run("waiter-" + i, i == 0 ? p::acquire : p::open).awaitWaiting());
            }
            endStartup.countDown();
            assertThat(starter.failure()).isSameAs(boom);
            for (Worker w : waiters) {
                assertThat(w.failure()).as("the attempt's own exception").isSameAs(boom);
                assertThat(w.interruptedAtEnd()).isFalse();
            }
            assertThat(attempts).as("no waiter started another attempt").hasValue(1);
            assertThat(p.openCount()).isZero();
            assertThat(p.isOpen()).isFalse();
            assertThat(p.startupFailures()).isEqualTo(1);
            assertThat(p.lastStartupFailure()).containsSame(boom);

            p.open(); // after the failure: a fresh attempt
            assertThat(attempts).hasValue(2);
            assertThat(p.openCount()).isEqualTo(1);
        }

        @Test
        @Timeout(value = 30, threadMode = SEPARATE_THREAD)
        void waitersOfAStartupThatThrowsACheckedExceptionEachGetItAsTheCause() {
            CountDownLatch inStartup = new CountDownLatch(1);
            CountDownLatch endStartup = new CountDownLatch(1);
            java.io.IOException boom = new java.io.IOException("refused");
            Probe p = new Probe().onStartup(q -> {
                inStartup.countDown();
                await(endStartup);
                throw boom;
            });
            Worker starter = Worker.run("starter", p::open);
            await(inStartup);
            List<Worker> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiters.add(Worker.run("waiter-" + i, p::open).awaitWaiting());
            }
            endStartup.countDown();
            waiters.add(starter);
            for (Worker w : waiters) {
                Throwable t = w.failure();
                assertThat(t).isExactlyInstanceOf(LifecycleException.class).hasMessageContaining(p.toString());
                assertThat(t.getCause()).isSameAs(boom);
            }
            assertThat(p.startups).hasValue(1);
            assertThat(p.openCount()).isZero();
        }

        @Test
        @Timeout(value = 120, threadMode = SEPARATE_THREAD)
        void aThousandThreadsArrivingDuringASlowStartupShareItsOneCycle() throws Exception {
            int n = 1_000;
            CountDownLatch inStartup = new CountDownLatch(1);
            CountDownLatch arrived = new CountDownLatch(n);
            Probe p = new Probe().onStartup(q -> {
                inStartup.countDown();
                // Slow (at least 50 ms), and long enough for every thread to arrive.
                Thread.sleep(50);
                arrived.await();
            });
            Worker first = Worker.run("first", () -> p.acquire().close());
            await(inStartup);
            List<Thread> threads = new ArrayList<>();
            AtomicInteger failures = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(() -> {
                    arrived.countDown();
                    try {
                        p.acquire().close();
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }, "opener-" + i);
                t.start();
                threads.add(t);
            }
            first.result();
            for (Thread t : threads) {
                t.join(30_000);
                assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
            }
            assertThat(failures).hasValue(0);
            assertThat(p.startups).as("startups").hasValue(1);
            assertThat(p.shutdowns).as("shutdowns").hasValue(1);
            assertThat(p.isClosed()).isTrue();
        }
    }

    /**
     * A failed startup fails everyone who waited for it, in one attempt (DESIGN.md 2.1, third
     * round): before, each waiter ran another attempt in turn, a convoy of 1,000 x 200 ms.
     */
    @Nested
    class FailedStartupFailsItsWaitersTogether {
        @Test
        @Timeout(value = 120, threadMode = SEPARATE_THREAD)
        void aThousandThreadsOpeningDuringAFailing200msStartupGetOneAttemptAndItsFailure() throws Exception {
            int n = 1_000;
            CountDownLatch inStartup = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            IllegalStateException boom = new IllegalStateException("refused after 200 ms");
            AtomicInteger attempts = new AtomicInteger();
            Probe p = new Probe().onStartup(q -> {
                attempts.incrementAndGet();
                inStartup.countDown();
                Thread.sleep(200); // the work of a startup that takes 200 ms to refuse
                // Every opener has arrived and waits for this attempt (a thread's only wait is
                // the open's), however slowly the machine started them.
                synchronized (threads) {
                    while (threads.size() < n) {
                        threads.wait();
                    }
                }
                for (Thread t : threads) {
                    while (t.getState() != Thread.State.WAITING) {
                        Thread.sleep(1);
                    }
                }
                throw boom;
            });
            Worker first = Worker.run("first", p::open);
            await(inStartup);
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            long began = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(() -> {
                    try {
                        p.open();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "opener-" + i);
                t.setDaemon(true);
                t.start();
                synchronized (threads) {
                    threads.add(t);
                    threads.notifyAll();
                }
            }
            assertThat(first.failure()).isSameAs(boom);
            for (Thread t : threads) {
                t.join(60_000);
                assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
            }
            long millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            System.out.printf("1,000 openers of a failing 200 ms startup: all failed in %d ms%n", millis);

            assertThat(attempts).as("attempts").hasValue(1);
            assertThat(failures).hasSize(n).allSatisfy(f -> assertThat(f).isSameAs(boom));
            assertThat(p.startupFailures()).isEqualTo(1);
            assertThat(p.openCount()).isZero();
            assertThat(p.isClosed()).isFalse();
            assertThat(millis).as("ms, for a convoy it would be 200,000").isLessThan(60_000);
        }
    }

    /**
     * No code of a subclass runs under AbstractMultiOpen's monitor. A subclass whose toString() is
     * synchronized, and whose synchronized method opens, deadlocked two threads when a message was
     * built under that monitor.
     */
    @Nested
    class NoSubclassCodeUnderTheMonitor {
        static final class Synchronized extends AbstractMultiOpen {
            @Override
            public synchronized String toString() {
                return "Synchronized@" + Integer.toHexString(System.identityHashCode(this));
            }

            void guarded() {
                ensureOpen();
            }

            synchronized void openHoldingMyMonitor(CountDownLatch holding, Thread other) {
                holding.countDown();
                // Wait until the other thread is blocked on this monitor (in toString), then open.
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (other.getState() != Thread.State.BLOCKED && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                open();
            }
        }

        @Test
        @Timeout(value = 30, threadMode = SEPARATE_THREAD)
        void aSynchronizedToStringAndASynchronizedOpenDoNotDeadlock() throws Exception {
            Synchronized s = new Synchronized();
            CountDownLatch holding = new CountDownLatch(1);
            Thread[] closer = new Thread[1];
            // The closer's close-before-open message names the object: toString() is called.
            Worker c = Worker.start("closer", () -> {
                await(holding);
                try {
                    s.close();
                    return "closed";
                } catch (IllegalStateException e) {
                    return e.getMessage();
                }
            });
            closer[0] = c.thread();
            Worker opener = Worker.run("opener", () -> s.openHoldingMyMonitor(holding, closer[0]));
            opener.result();
            assertThat((String) c.result()).startsWith("close before open: Synchronized@");
            assertThat(s.openCount()).isEqualTo(1);
        }

        @Test
        @Timeout(value = 30, threadMode = SEPARATE_THREAD)
        void ensureOpenBuildsItsMessageOutsideTheMonitor() throws Exception {
            Synchronized s = new Synchronized();
            // A guard failing on a closed object while another thread holds the object's own
            // monitor and opens: both finish.
            CountDownLatch holding = new CountDownLatch(1);
            Worker guard = Worker.start("guard", () -> {
                await(holding);
                try {
                    s.guarded();
                    return "passed";
                } catch (ClosedException e) {
                    return "ClosedException";
                }
            });
            Worker opener = Worker.run("opener", () -> s.openHoldingMyMonitor(holding, guard.thread()));
            opener.result();
            assertThat((String) guard.result()).isIn("passed", "ClosedException");
        }
    }
}
