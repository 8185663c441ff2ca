package cs.resources;

import static cs.resources.MultiOpenTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD;

import cs.resources.MultiOpenTestSupport.CapturedLog;
import cs.resources.MultiOpenTestSupport.Probe;
import cs.resources.MultiOpenTestSupport.Worker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The owner's hold and retirement ({@link AbstractMultiOpen#holdOpen()},
 * {@link AbstractMultiOpen#retire()}; DESIGN.md 2.1, third round): {@code retire()} releases the
 * hold and no other open, ever, and a retired object starts no new cycle.
 */
@Timeout(value = 30, threadMode = SEPARATE_THREAD)
class MultiOpenRetireTest {

    /** A component of the eager form: it holds itself open while active. */
    static final class Component extends Probe {
        void activate() {
            holdOpen();
        }

        void deactivate() {
            retire();
        }
    }

    /** A component of the lazy form: it leaves its first open to its consumers. */
    static final class LazyComponent extends Probe {
        void deactivate() {
            retire();
        }
    }

    @Test
    void aLazyComponentRetiredWhileAConsumerHoldsAPlainOpenIsNotShutDownUnderIt() {
        try (CapturedLog log = CapturedLog.start()) {
            LazyComponent c = new LazyComponent();
            c.open(); // a consumer's plain open (plain Java, or a consumer without a view)

            c.deactivate();

            assertThat(c.openCount()).as("the consumer's open").isEqualTo(1);
            assertThat(c.isOpen()).isTrue();
            assertThat(c.shutdowns).as("no shutdown under the consumer").hasValue(0);
            assertThat(c.query()).isEqualTo("answer");
            c.close(); // the consumer's close: the last one
            assertThat(c.shutdowns).hasValue(1);
            assertThat(log.allMessages(c)).as("no extra-close warning").isEmpty();
        }
    }

    @Test
    void retireReleasesTheHoldAndNoOtherOpenEver() {
        Component c = new Component();
        c.activate();
        MultiOpen.Handle consumersHandle = c.acquire();
        c.open(); // a consumer's plain open
        MultiOpen.Handle ownersHandle = c.acquire();
        c.open(); // an open the owner made itself with open(): not its hold
        assertThat(c.openCount()).isEqualTo(5);

        c.deactivate();

        assertThat(c.openCount()).as("only the hold released").isEqualTo(4);
        assertThat(c.isRetired()).isTrue();
        assertThat(consumersHandle.isClosed()).isFalse();
        assertThat(ownersHandle.isClosed()).isFalse();
        c.deactivate(); // again: does nothing
        assertThat(c.openCount()).isEqualTo(4);
        c.open(); // while the cycle goes on, opens are counted into it
        c.close();
        consumersHandle.close();
        ownersHandle.close();
        c.close();
        assertThat(c.shutdowns).hasValue(0);
        c.close(); // the last one
        assertThat(c.shutdowns).hasValue(1);
        assertThat(c.startups).hasValue(1);
        assertThatThrownBy(c::acquire).isInstanceOf(ClosedException.class).hasMessageContaining("closed for good")
                .hasMessageContaining(c.toString());
        assertThatThrownBy(c::open).isInstanceOf(ClosedException.class);
        assertThat(c.openCount()).isZero();
    }

    @Test
    void theHoldIsTheOnlyOpenRetireEndsTheCycleInItsThread() {
        Component c = new Component();
        c.activate();
        assertThat(c.startups).hasValue(1);
        assertThat(c.isOpen()).isTrue();

        Worker.run("deactivator", c::deactivate).result();

        assertThat(c.shutdowns).hasValue(1);
        assertThat(c.isClosed()).isTrue();
        assertThat(c.join(java.time.Duration.ZERO)).isTrue();
    }

    @Test
    void holdOpenTwiceThrowsNamingTheObjectAndChangesNothing() {
        Component c = new Component();
        c.activate();

        assertThatThrownBy(c::activate).isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("holdOpen() of " + c + ": its hold was taken before (at most one per object)");

        assertThat(c.openCount()).isEqualTo(1);
        c.deactivate();
        assertThat(c.isClosed()).isTrue();
    }

    @Test
    void holdOpenAfterRetireThrowsClosedException() {
        Component released = new Component();
        released.activate();
        released.deactivate();
        Component never = new Component();
        never.deactivate();
        Component inACycle = new Component();
        MultiOpen.Handle consumer = inACycle.acquire();
        inACycle.deactivate();

        for (Component c : List.of(released, never, inACycle)) {
            assertThatThrownBy(c::activate).isExactlyInstanceOf(ClosedException.class)
                    .hasMessage("holdOpen() of " + c + ": it is closed for good (retired)");
        }
        assertThat(inACycle.openCount()).isEqualTo(1);
        consumer.close();
        assertThat(inACycle.shutdowns).hasValue(1);
    }

    @Test
    void aHoldOpenWhoseStartupFailsHoldsNothingAndMayBeMadeAgain() {
        AtomicBoolean fail = new AtomicBoolean(true);
        Component c = new Component();
        c.onStartup(q -> {
            if (fail.getAndSet(false)) {
                throw new IllegalStateException("not yet");
            }
        });

        assertThatThrownBy(c::activate).hasMessage("not yet");
        assertThat(c.openCount()).isZero();
        c.deactivate(); // nothing held: nothing released, no warning
        assertThat(c.isRetired()).isTrue();

        Component d = new Component();
        fail.set(true);
        d.onStartup(q -> {
            if (fail.getAndSet(false)) {
                throw new IllegalStateException("not yet");
            }
        });
        assertThatThrownBy(d::activate).hasMessage("not yet");
        d.activate();
        assertThat(d.openCount()).isEqualTo(1);
        d.deactivate();
        assertThat(d.isClosed()).isTrue();
    }

    @Test
    void retiringWhatNeverOpenedOrIsClosedIsCleanAndStartsNoCycle() {
        try (CapturedLog log = CapturedLog.start()) {
            LazyComponent never = new LazyComponent();
            never.deactivate(); // no "close before open"
            assertThat(never.isRetired()).isTrue();
            assertThatThrownBy(never::open).isInstanceOf(ClosedException.class)
                    .hasMessage("open() of " + never + ": it is closed for good (retired)");
            assertThatThrownBy(never::acquire).isInstanceOf(ClosedException.class);
            assertThat(never.startups).hasValue(0);

            LazyComponent done = new LazyComponent();
            done.acquire().close();
            done.deactivate(); // no extra-close warning
            assertThat(done.shutdowns).hasValue(1);
            assertThatThrownBy(done::open).isInstanceOf(ClosedException.class);
            assertThat(done.startups).hasValue(1);
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

    @Test
    void aHoldWhoseCycleOthersPlainClosesEndedIsNotReleasedFromTheNextCycle() {
        try (CapturedLog log = CapturedLog.start()) {
            Component c = new Component();
            c.activate();
            c.close(); // someone's plain close takes the hold's open: the cycle ends
            assertThat(c.shutdowns).hasValue(1);
            c.open(); // a consumer's open: a new cycle

            c.deactivate();

            assertThat(c.openCount()).as("the consumer's open is not the hold").isEqualTo(1);
            assertThat(c.shutdowns).hasValue(1);
            c.close();
            assertThat(c.shutdowns).hasValue(2);
            assertThat(log.allMessages(c)).isEmpty();
        }
    }

    @Test
    void holdOpenFromInsideTheObjectsOwnStartupIsRefused() {
        List<Throwable> refused = new ArrayList<>();
        Component c = new Component();
        c.onStartup(q -> refused.add(catchThrowable(((Component) q)::activate)));

        c.open();

        assertThat(refused).singleElement().isInstanceOf(IllegalStateException.class)
                .hasFieldOrPropertyWithValue("message", "holdOpen() of " + c + " from inside its own startup");
        assertThat(c.openCount()).isEqualTo(1);
        c.activate(); // outside the startup, the hold may still be taken
        assertThat(c.openCount()).isEqualTo(2);
    }

    @Test
    void aRetireRacingAHoldOpenWaitsForItAndReleasesTheHold() {
        CountDownLatch inStartup = new CountDownLatch(1);
        CountDownLatch endStartup = new CountDownLatch(1);
        Component c = new Component();
        c.onStartup(q -> {
            inStartup.countDown();
            await(endStartup);
        });
        Worker activator = Worker.run("activator", c::activate);
        await(inStartup);
        Worker deactivator = Worker.run("deactivator", c::deactivate).awaitWaiting();

        endStartup.countDown();

        activator.result();
        deactivator.result();
        assertThat(c.shutdowns).as("the hold was released by the retire").hasValue(1);
        assertThat(c.isClosed()).isTrue();
        assertThat(c.isRetired()).isTrue();
    }

    @Test
    void aRetireFromInsideTheStartupAHoldOpenRunsReleasesTheHoldAsHoldOpenReturns() {
        Component c = new Component();
        c.onStartup(q -> ((Component) q).deactivate());

        c.activate();

        assertThat(c.startups).hasValue(1);
        assertThat(c.shutdowns).hasValue(1);
        assertThat(c.isClosed()).isTrue();
        assertThat(catchThrowable(c::open)).isInstanceOf(ClosedException.class);
    }

    @Test
    void aRetireFromInsideAStartupThatAHoldOpenWaitsForDoesNotDeadlock() {
        CountDownLatch inStartup = new CountDownLatch(1);
        CountDownLatch retireNow = new CountDownLatch(1);
        Component c = new Component();
        c.onStartup(q -> {
            inStartup.countDown();
            await(retireNow);
            ((Component) q).deactivate(); // the hold is opening in another thread, waiting for us
        });
        Worker consumer = Worker.run("consumer", c::open);
        await(inStartup);
        Worker activator = Worker.run("activator", c::activate).awaitWaiting();

        retireNow.countDown();

        consumer.result();
        activator.result();
        assertThat(c.openCount()).as("the consumer's open; the hold was released as it returned").isEqualTo(1);
        c.close();
        assertThat(c.isClosed()).isTrue();
        assertThat(c.startups).hasValue(1);
    }
}
