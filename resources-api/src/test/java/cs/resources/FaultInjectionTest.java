package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Faults injected into startup and shutdown, by kind and by cycle, with the state checked after
 * each: nothing lost, no count out of step, and the object usable again. (The Pool's factory,
 * disposer and validator faults and RunState's listener faults are in PoolTest and RunStateTest.)
 */
class FaultInjectionTest {

    enum Fault {
        CHECKED(new IOException("disk")),
        UNCHECKED(new IllegalStateException("state")),
        ERROR(new AssertionError("error"));

        final Throwable thrown;

        Fault(Throwable thrown) {
            this.thrown = thrown;
        }
    }

    static class Faulty extends AbstractMultiOpen {
        final AtomicInteger startups = new AtomicInteger();
        final AtomicInteger shutdowns = new AtomicInteger();
        volatile Throwable failStartup;
        volatile Throwable failShutdown;

        @Override
        protected void startup() throws Exception {
            startups.incrementAndGet();
            throwIt(failStartup);
        }

        @Override
        protected void shutdown() throws Exception {
            shutdowns.incrementAndGet();
            throwIt(failShutdown);
        }

        private static void throwIt(Throwable t) throws Exception {
            if (t instanceof Exception e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }
    }

    private static void assertReaches(Throwable caught, Fault fault, String phase) {
        if (fault == Fault.CHECKED) {
            assertThat(caught).isInstanceOf(LifecycleException.class).hasMessageContaining(phase + " of ")
                    .hasCause(fault.thrown);
        } else {
            assertThat(caught).isSameAs(fault.thrown);
        }
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void startupFailsOnTheFirstCycle(Fault fault) {
        Faulty f = new Faulty();
        f.failStartup = fault.thrown;
        Throwable caught = catchIt(f::open);
        assertReaches(caught, fault, "startup");
        assertThat(f.openCount()).isZero();
        assertThat(f.isOpen()).isFalse();
        assertThat(f.isClosed()).as("a failed first startup does not count as having opened").isFalse();
        assertThat(f.join(Duration.ZERO)).isTrue();
        assertThatThrownBy(f::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("close before open");
        f.failStartup = null;
        f.open();
        assertThat(f.startups).hasValue(2);
        assertThat(f.openCount()).isEqualTo(1);
        f.close();
        assertThat(f.shutdowns).hasValue(1);
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void startupFailsOnALaterCycle(Fault fault) {
        Faulty f = new Faulty();
        f.open();
        f.close();
        f.failStartup = fault.thrown;
        assertReaches(catchIt(f::open), fault, "startup");
        assertThat(f.openCount()).isZero();
        assertThat(f.isClosed()).as("still closed from the cycle before").isTrue();
        assertThat(f.shutdowns).as("no shutdown for a startup that failed").hasValue(1);
        f.failStartup = null;
        f.open();
        assertThat(f.isOpen()).isTrue();
        f.close();
        assertThat(f.startups).hasValue(3);
        assertThat(f.shutdowns).hasValue(2);
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void shutdownFailsAndTheObjectStillEndsClosed(Fault fault) {
        Faulty f = new Faulty();
        f.failShutdown = fault.thrown;
        f.open();
        f.open();
        f.close();
        assertReaches(catchIt(f::close), fault, "shutdown");
        assertThat(f.isClosed()).isTrue();
        assertThat(f.openCount()).isZero();
        assertThat(f.join(Duration.ZERO)).as("joiners released").isTrue();
        f.close(); // an extra close: warned about, changes nothing
        assertThat(f.openCount()).isZero();
        f.failShutdown = null;
        f.open();
        f.close();
        assertThat(f.startups).hasValue(2);
        assertThat(f.shutdowns).hasValue(2);
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStartupThatBlocksUntilInterruptedFailsTheOpenAndRollsBack() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        Faulty f = new Faulty() {
            @Override
            protected void startup() throws Exception {
                super.startup();
                blocked.countDown();
                new CountDownLatch(1).await(); // until interrupted
            }
        };
        AtomicReference<Throwable> caught = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread opener = new Thread(() -> {
            try {
                f.open();
            } catch (Throwable t) {
                caught.set(t);
            }
            flag.set(Thread.currentThread().isInterrupted());
        });
        opener.start();
        assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
        opener.interrupt();
        opener.join(10_000);
        assertThat(caught.get()).isInstanceOf(LifecycleException.class).hasCauseInstanceOf(InterruptedException.class);
        assertThat(flag.get()).as("the interrupt flag is set again").isTrue();
        assertThat(f.openCount()).isZero();
        assertThat(f.isOpen()).isFalse();
        assertThat(f.isClosed()).isFalse();
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void joinTimesOutWhileOpenAndSucceedsOnceClosed() throws Exception {
        Faulty f = new Faulty();
        f.open();
        long t0 = System.nanoTime();
        assertThat(f.join(Duration.ofMillis(100))).isFalse();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(f.openCount()).isEqualTo(1);
        Thread closer = new Thread(f::close);
        closer.start();
        assertThat(f.join(Duration.ofSeconds(10))).isTrue();
        closer.join();
        assertThat(f.isClosed()).isTrue();
    }

    private static Throwable catchIt(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected a failure");
    }
}
