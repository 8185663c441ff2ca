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
 * once, whatever else happens; {@link AbstractMultiOpen#retire()} never closes what a handle owns.
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
    class Retire {
        /** A component as the itests write it: it opened itself, as the owner. */
        static final class Component extends Probe {
            void activate() {
                open();
            }

            void deactivate() {
                retire();
            }
        }

        /** A component that leaves its first open to its consumers. */
        static final class LazyComponent extends Probe {
            void deactivate() {
                retire();
            }
        }

        @Test
        void retireClosesTheOwnersPlainOpenAndNeverOneAHandleOwns() {
            Component c = new Component();
            c.activate();
            MultiOpen.Handle consumer = c.acquire();
            c.deactivate();
            assertThat(c.openCount()).isEqualTo(1);
            assertThat(c.isRetired()).isTrue();
            assertThat(consumer.isClosed()).isFalse();
            c.deactivate(); // again: nothing more to close
            assertThat(c.openCount()).isEqualTo(1);
            consumer.close();
            assertThat(c.shutdowns).hasValue(1);
            assertThatThrownBy(c::acquire).isInstanceOf(ClosedException.class).hasMessageContaining("closed for good");
        }

        @Test
        void retiringWhatNeverOpenedOrIsClosedIsClean() {
            try (CapturedLog log = CapturedLog.start()) {
                LazyComponent never = new LazyComponent();
                never.deactivate(); // no "close before open"
                assertThat(never.isRetired()).isTrue();
                assertThatThrownBy(never::open).isInstanceOf(ClosedException.class);

                LazyComponent done = new LazyComponent();
                done.acquire().close();
                done.deactivate(); // no extra-close warning
                assertThat(done.shutdowns).hasValue(1);
                assertThat(log.allMessages(never)).isEmpty();
                assertThat(log.allMessages(done)).isEmpty();
            }
        }

        @Test
        void aLazyComponentStartsInItsFirstConsumersThreadAndStopsInItsLastOnes() {
            LazyComponent c = new LazyComponent();
            List<String> threads = new ArrayList<>();
            c.onStartup(q -> threads.add("startup in " + Thread.currentThread().getName()));
            c.onShutdown(q -> threads.add("shutdown in " + Thread.currentThread().getName()));
            Worker first = Worker.start("consumer-1", c::acquire);
            MultiOpen.Handle h1 = (MultiOpen.Handle) first.result();
            MultiOpen.Handle h2 = c.acquire();
            c.deactivate(); // retired while held: only marks it
            assertThat(c.openCount()).isEqualTo(2);
            h2.close();
            Worker.run("consumer-1-close", h1::close).result();
            assertThat(threads).containsExactly("startup in consumer-1", "shutdown in consumer-1-close");
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
        void waitersOfAFailedStartupAreRolledBackWithItAndTryAgain() {
            CountDownLatch inStartup = new CountDownLatch(1);
            CountDownLatch endStartup = new CountDownLatch(1);
            AtomicInteger attempts = new AtomicInteger();
            Probe p = new Probe().onStartup(q -> {
                if (attempts.incrementAndGet() == 1) {
                    inStartup.countDown();
                    await(endStartup);
                    throw new IllegalStateException("first startup fails");
                }
            });
            Worker starter = Worker.run("starter", p::open);
            await(inStartup);
            List<Worker> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiters.add(Worker.run("waiter-" + i, p::open).awaitWaiting());
            }
            endStartup.countDown();
            assertThat(starter.failure()).hasMessage("first startup fails");
            for (Worker w : waiters) {
                w.result();
            }
            assertThat(p.startups).hasValue(2); // the failed one and one retry among the waiters
            assertThat(p.openCount()).isEqualTo(3);
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
