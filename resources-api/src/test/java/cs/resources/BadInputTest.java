package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's table of bad input, one test per row: the exception and its message, and that
 * nothing changed. (Each case is also tested, in context, in the classes of its primitive.)
 */
class BadInputTest {

    static class Thing extends AbstractMultiOpen {
        Thing() {
        }

        Thing(boolean finaliseLater) {
            super(finaliseLater);
        }

        void use() {
            ensureOpen();
        }

        void inspect() {
            ensureNotClosed();
        }

        void hold() {
            holdOpen();
        }

        void retireIt() {
            retire();
        }
    }

    // ------------------------------------------------------------------------------- MultiOpen

    @Test
    void closeBeforeOpen() {
        Thing t = new Thing();
        assertThatThrownBy(t::close).isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("close before open: " + t + " was never opened");
        assertThat(t.openCount()).isZero();
        assertThat(t.isClosed()).isFalse();
        t.open(); // still usable
        assertThat(t.openCount()).isEqualTo(1);
    }

    @Test
    void nullCloseOptions() {
        Thing t = new Thing();
        t.open();
        assertThatThrownBy(() -> t.close((CloseOption[]) null)).isInstanceOf(NullPointerException.class).hasMessage("options");
        assertThatThrownBy(() -> t.close(CloseOption.UNOPENED_OK, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("options contains null");
        assertThat(t.openCount()).isEqualTo(1);
    }

    @Test
    void enforcedFinalCloseThatIsNotFinal() {
        Thing t = new Thing();
        t.open();
        t.open();
        assertThatThrownBy(() -> t.close(CloseOption.ENFORCE_FINAL_CLOSE)).isInstanceOf(IllegalStateException.class)
                .hasMessage("close of " + t + " with ENFORCE_FINAL_CLOSE was not the final close: 1 open remains");
        assertThat(t.openCount()).as("decremented, as documented").isEqualTo(1);
    }

    @Test
    void joinWithNullOrNegativeTimeout() {
        Thing t = new Thing();
        t.open();
        assertThatThrownBy(() -> t.join(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> t.join(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("join(PT-1S) of " + t + ": negative timeout");
        assertThat(t.openCount()).isEqualTo(1);
    }

    @Test
    void finaliseOutOfOrder() {
        Thing t = new Thing(true);
        t.open();
        assertThatThrownBy(t::finalise).isInstanceOf(IllegalStateException.class)
                .hasMessage("finalise() of " + t + ": it is not closed (open, count 1)");
        t.close();
        t.finalise();
        assertThatThrownBy(t::finalise).isInstanceOf(IllegalStateException.class)
                .hasMessage("finalise() of " + t + ": already finalised");
        assertThat(t.isClosed()).isTrue();
    }

    @Test
    void openFromInsideShutdown() {
        AtomicInteger refused = new AtomicInteger();
        Thing t = new Thing() {
            @Override
            protected void shutdown() {
                try {
                    open();
                } catch (IllegalStateException e) {
                    assertThat(e).hasMessage("open() of " + this + " from inside its own shutdown");
                    refused.incrementAndGet();
                }
            }
        };
        t.open();
        t.close();
        assertThat(refused).hasValue(1);
        assertThat(t.isClosed()).isTrue();
        assertThat(t.openCount()).isZero();
    }

    @Test
    void holdOpenTwice() {
        Thing t = new Thing();
        t.hold();
        assertThatThrownBy(t::hold).isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("holdOpen() of " + t + ": its hold was taken before (at most one per object)");
        assertThat(t.openCount()).isEqualTo(1);
        t.retireIt();
        assertThat(t.isClosed()).isTrue();
    }

    @Test
    void openOrHoldOpenAfterRetire() {
        Thing never = new Thing();
        never.retireIt();
        assertThatThrownBy(never::open).isExactlyInstanceOf(ClosedException.class)
                .hasMessage("open() of " + never + ": it is closed for good (retired)");
        assertThatThrownBy(never::acquire).isExactlyInstanceOf(ClosedException.class)
                .hasMessage("open() of " + never + ": it is closed for good (retired)");
        assertThatThrownBy(never::hold).isExactlyInstanceOf(ClosedException.class)
                .hasMessage("holdOpen() of " + never + ": it is closed for good (retired)");
        assertThat(never.openCount()).isZero();
        assertThat(never.isClosed()).isFalse();
        never.retireIt(); // a second retire does nothing
        assertThat(never.isRetired()).isTrue();
    }

    @Test
    void guardedMethodsOnAClosedOrUnopenedObject() {
        Thing t = new Thing();
        assertThatThrownBy(t::use).isInstanceOf(ClosedException.class)
                .hasMessage("use() on " + t + ": it is not open (never opened)");
        t.open();
        t.close();
        assertThatThrownBy(t::inspect).isInstanceOf(ClosedException.class).hasMessage("inspect() on " + t + ": it is closed");
        assertThatThrownBy(t::use).isInstanceOf(ClosedException.class)
                .hasMessage("use() on " + t + ": it is not open (closed)");
    }

    @Test
    void multiOpenOfNull() {
        assertThatThrownBy(() -> MultiOpen.of(null)).isInstanceOf(NullPointerException.class).hasMessage("openable");
    }

    // ------------------------------------------------------------------------------------ Pool

    @Test
    void poolWithoutFactoryOrWithNegativeSize() {
        assertThatThrownBy(() -> new Pool<>(null)).isInstanceOf(NullPointerException.class).hasMessage("newObject");
        assertThatThrownBy(() -> new Pool<>(Object::new, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxSize must be 0 (no bound) or positive, not -1");
        Pool.Builder<Object> b = Pool.builder(Object::new);
        assertThatThrownBy(() -> b.maxSize(-2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxSize must be 0 (no bound) or positive, not -2");
        assertThatThrownBy(() -> b.disposer(null)).isInstanceOf(NullPointerException.class).hasMessage("disposer");
        assertThatThrownBy(() -> b.validator(null)).isInstanceOf(NullPointerException.class).hasMessage("validator");
        assertThatThrownBy(() -> b.name(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
        assertThat(b.build().maxSize()).as("the builder kept its default").isEqualTo(Pool.DEFAULT_MAX_SIZE);
    }

    @Test
    void factoryReturningNull() {
        Pool<Object> pool = Pool.builder(() -> null).name("nulls").build();
        assertThatThrownBy(pool::instance).isInstanceOf(NullPointerException.class)
                .hasMessage("the factory of Pool[nulls] returned null");
        assertThat(pool.stats()).isEqualTo(new Pool.Stats(0, 0, 0, 0, 0));
    }

    @Test
    void leaseUseAfterClose() {
        Pool<Object> pool = Pool.builder(Object::new).name("p").build();
        Pool.Lease<Object> lease = pool.instance();
        lease.close();
        assertThatThrownBy(lease::get).isInstanceOf(ClosedException.class)
                .hasMessage("get() on a lease from Pool[p]: the lease is closed");
        assertThatThrownBy(lease::discard).isInstanceOf(ClosedException.class)
                .hasMessage("discard() on a lease from Pool[p]: the lease is closed");
        lease.close(); // harmless
        assertThat(pool.stats()).isEqualTo(new Pool.Stats(1, 0, 0, 1, 0));
    }

    @Test
    void instanceAfterPoolClose() {
        Pool<Object> pool = Pool.builder(Object::new).name("p").build();
        pool.close();
        assertThatThrownBy(pool::instance).isInstanceOf(ClosedException.class)
                .hasMessage("instance() on Pool[p]: the pool is closed");
        assertThat(pool.stats().created()).isZero();
    }

    @Test
    void poolCapAndDurationsOutOfRange() {
        Pool.Builder<Object> b = Pool.builder(Object::new);
        assertThatThrownBy(() -> b.maxTotal(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxTotal must be 0 (no cap) or positive, not -1");
        assertThatThrownBy(() -> b.maxWait(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxWait must not be negative, not PT-1S");
        assertThatThrownBy(() -> b.maxLifetime(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLifetime must be positive, not PT0S");
        assertThatThrownBy(() -> b.maxLifetime(Duration.ofMinutes(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLifetime must be positive, not PT-1M");
        assertThatThrownBy(() -> b.maxIdleTime(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxIdleTime must be positive, not PT-0.001S");
        assertThatThrownBy(() -> b.evictEvery(Duration.ZERO, new java.util.concurrent.ScheduledThreadPoolExecutor(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("evictEvery interval must be positive, not PT0S");
        assertThatThrownBy(() -> b.prefill(-3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prefill must be 0 or positive, not -3");
        Pool<Object> pool = b.build();
        assertThat(pool.maxTotal()).as("the builder kept its defaults").isZero();
        assertThat(pool.maxWait()).isEqualTo(Pool.DEFAULT_MAX_WAIT);
    }

    @Test
    void poolNullOptions() {
        Pool.Builder<Object> b = Pool.builder(Object::new);
        assertThatThrownBy(() -> b.maxWait(null)).isInstanceOf(NullPointerException.class).hasMessage("maxWait");
        assertThatThrownBy(() -> b.maxLifetime(null)).isInstanceOf(NullPointerException.class).hasMessage("maxLifetime");
        assertThatThrownBy(() -> b.maxIdleTime(null)).isInstanceOf(NullPointerException.class).hasMessage("maxIdleTime");
        assertThatThrownBy(() -> b.expiration(null)).isInstanceOf(NullPointerException.class).hasMessage("expiration");
        assertThatThrownBy(() -> b.clock(null)).isInstanceOf(NullPointerException.class).hasMessage("clock");
        assertThatThrownBy(() -> b.evictEvery(null, new java.util.concurrent.ScheduledThreadPoolExecutor(1)))
                .isInstanceOf(NullPointerException.class).hasMessage("interval");
        assertThatThrownBy(() -> b.evictEvery(Duration.ofSeconds(1), null))
                .isInstanceOf(NullPointerException.class).hasMessage("executor");
        assertThat(b.build().isClosed()).isFalse();
    }

    @Test
    void poolOptionsThatDoNotFitTogetherAreRejectedAtBuild() {
        assertThatThrownBy(() -> Pool.builder(Object::new).maxTotal(4).maxSize(8).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxSize 8 must not be above maxTotal 4");
        assertThatThrownBy(() -> Pool.builder(Object::new).maxTotal(4).prefill(5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("prefill 5 must not be above maxTotal 4");
        assertThatThrownBy(() -> Pool.builder(Object::new).prefill(5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prefill 5 must not be above the idle bound, maxSize 4");
        assertThatThrownBy(() -> Pool.builder(Object::new)
                .evictEvery(Duration.ofSeconds(1), new java.util.concurrent.ScheduledThreadPoolExecutor(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("evictEvery(PT1S, ...) needs an expiration rule: maxLifetime, maxIdleTime or expiration");
        // maxSize 0 (no idle bound) with a cap is fine: the cap bounds the idle objects too.
        assertThat(Pool.builder(Object::new).maxTotal(4).maxSize(0).build().maxSize()).isZero();
    }

    @Test
    void poolInstanceWithANullOrNegativeTimeout() {
        Pool<Object> pool = Pool.builder(Object::new).name("p").build();
        assertThatThrownBy(() -> pool.instance(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> pool.instance(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("instance(PT-0.001S) on Pool[p]: negative timeout");
        assertThat(pool.stats()).isEqualTo(new Pool.Stats(0, 0, 0, 0, 0));
    }

    @Test
    void poolTimeoutAtTheCap() {
        Pool<Object> pool = Pool.builder(Object::new).name("p").maxTotal(1).build();
        Pool.Lease<Object> held = pool.instance();
        assertThatThrownBy(() -> pool.instance(Duration.ZERO)).isInstanceOf(PoolTimeoutException.class)
                .hasMessage("instance(PT0S) on Pool[p] found no object in PT0S: maxTotal 1, 1 in use, 0 waiting");
        assertThat(pool.tryInstance()).isEmpty();
        assertThat(pool.stats().inUse()).isEqualTo(1);
        held.close();
    }

    @Test
    void poolExpirationRuleThatThrows() {
        Pool<Object> pool = Pool.builder(Object::new).name("p").expiration(info -> {
            throw new IllegalStateException("broken rule");
        }).build();
        Object first;
        try (Pool.Lease<Object> lease = pool.instance()) {
            first = lease.get();
        }
        try (Pool.Lease<Object> lease = pool.instance()) { // the rule throws: expired, logged, another object
            assertThat(lease.get()).isNotSameAs(first);
        }
        assertThat(pool.stats()).extracting(Pool.Stats::created, Pool.Stats::dropped, Pool.Stats::expired)
                .containsExactly(2L, 1L, 1L);
    }

    // -------------------------------------------------------------------------------- RunState

    @Test
    void runStateNullsAndNegativeSleep() {
        RunState rs = new RunState("rs");
        assertThatThrownBy(() -> rs.sleep(null)).isInstanceOf(NullPointerException.class).hasMessage("duration");
        assertThatThrownBy(() -> rs.sleep(Duration.ofMillis(-5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sleep(PT-0.005S) on " + rs + ": negative duration");
        assertThatThrownBy(() -> rs.onStart(null)).isInstanceOf(NullPointerException.class).hasMessage("listener");
        assertThatThrownBy(() -> rs.onEnd(null)).isInstanceOf(NullPointerException.class).hasMessage("listener");
        assertThatThrownBy(() -> rs.onCancel(null)).isInstanceOf(NullPointerException.class).hasMessage("listener");
        assertThatThrownBy(() -> rs.run(null)).isInstanceOf(NullPointerException.class).hasMessage("body");
        assertThatThrownBy(() -> rs.call(null)).isInstanceOf(NullPointerException.class).hasMessage("body");
        assertThatThrownBy(() -> new RunState("x", (Clock) null)).isInstanceOf(NullPointerException.class).hasMessage("clock");
        assertThat(rs.state()).as("nothing started").isEqualTo(RunState.State.PENDING);
    }

    @Test
    void runStateProgressOutOfRange() {
        RunState rs = new RunState("rs");
        rs.setTotal(10);
        rs.advance(6);
        assertThatThrownBy(() -> rs.setTotal(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setTotal(-1) on " + rs + ": negative total");
        assertThatThrownBy(() -> rs.setTotal(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setTotal(5) on " + rs + ": below the done count 6");
        assertThatThrownBy(() -> rs.advance(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("advance(-1) on " + rs + ": negative count");
        assertThatThrownBy(() -> rs.advance(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("advance(5) on " + rs + ": the done count would be 11, above the total 10");
        assertThatThrownBy(() -> rs.setDone(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setDone(-1) on " + rs + ": negative count");
        assertThatThrownBy(() -> rs.setDone(11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setDone(11) on " + rs + ": above the total 10");
        assertThat(rs.progress()).as("nothing changed").isEqualTo(new RunState.Progress(6, 10, ""));
    }

    @Test
    void runStateNullMessagePollOrItems() {
        RunState rs = new RunState("rs");
        assertThatThrownBy(() -> rs.setMessage(null)).isInstanceOf(NullPointerException.class).hasMessage("message");
        assertThatThrownBy(() -> new RunState("x", (BooleanSupplier) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("cancelPoll");
        assertThatThrownBy(() -> rs.untilCancelled((Iterable<?>) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("items");
        assertThatThrownBy(() -> rs.untilCancelled((Stream<?>) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("items");
        assertThat(rs.progress()).isEqualTo(new RunState.Progress(0, 0, ""));
    }

    @Test
    void runStatePauseWhenNotRunningOrCancelledAndResumeWhenNotPaused() {
        RunState rs = new RunState("rs");
        assertThatThrownBy(rs::pause).isInstanceOf(IllegalStateException.class)
                .hasMessage("pause() of " + rs + ": it is not running");
        assertThat(rs.state()).isEqualTo(RunState.State.PENDING);
        rs.start();
        rs.resume(); // not paused: a documented no-op
        assertThat(rs.state()).isEqualTo(RunState.State.RUNNING);
        rs.cancel();
        rs.pause(); // running but cancelled: a documented no-op, a cancel wins over a pause
        assertThat(rs.state()).isEqualTo(RunState.State.STOPPING);
        assertThat(rs.isPaused()).isFalse();
        rs.stop();
        assertThatThrownBy(rs::pause).isInstanceOf(IllegalStateException.class)
                .hasMessage("pause() of " + rs + ": it is not running");
        assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
    }

    @Test
    void runStateOwnAncestorIsImpossible() {
        // child(name) is the only way to a parent, and it links a RunState it makes itself; no
        // method or constructor takes a RunState to adopt, so there is nothing to reject.
        RunState rs = new RunState("rs");
        RunState child = rs.child("child");
        assertThat(child).isNotSameAs(rs);
        assertThat(child.parent()).containsSame(rs);
        assertThat(rs.parent()).isEmpty();
        assertThat(java.util.Arrays.stream(RunState.class.getMethods()).flatMap(m -> java.util.Arrays.stream(m.getParameterTypes())))
                .doesNotContain(RunState.class);
    }
}
