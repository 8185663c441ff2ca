package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Black-box tests of {@link RunState} and {@link RunStateMixin}. */
class RunStateTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    /** A clock that stands still until moved. */
    static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final TestClock clock = new TestClock(T0);
    private final RunState rs = new RunState("indexer", clock);

    /** Calls of the three kinds of listener, in order: "start", "end", "cancel". */
    private final List<String> events = new CopyOnWriteArrayList<>();

    private void recordEvents(RunState state) {
        state.onStart(r -> events.add("start"));
        state.onEnd(r -> events.add("end"));
        state.onCancel(r -> events.add("cancel"));
    }

    private static void assertFlags(RunState state, RunState.State expected, boolean running, boolean cancelled,
            boolean stopping, boolean stopped) {
        assertThat(state.state()).isEqualTo(expected);
        assertThat(state.isRunning()).as("isRunning").isEqualTo(running);
        assertThat(state.isCancelled()).as("isCancelled").isEqualTo(cancelled);
        assertThat(state.isStopping()).as("isStopping").isEqualTo(stopping);
        assertThat(state.isStopped()).as("isStopped").isEqualTo(stopped);
    }

    // ------------------------------------------------------------------------------ construction

    @Nested
    class Construction {

        @Test
        void idsAreUnique() {
            Set<Long> ids = new HashSet<>();
            for (int i = 0; i < 1000; i++) {
                ids.add(new RunState().id());
                ids.add(new RunState("x").id());
            }
            assertThat(ids).hasSize(2000);
        }

        @Test
        void defaultNameIsRunStateDashId() {
            RunState unnamed = new RunState();
            assertThat(unnamed.name()).isEqualTo("RunState-" + unnamed.id());
            RunState nullName = new RunState(null);
            assertThat(nullName.name()).isEqualTo("RunState-" + nullName.id());
            RunState nullNameWithClock = new RunState(null, clock);
            assertThat(nullNameWithClock.name()).isEqualTo("RunState-" + nullNameWithClock.id());
        }

        @Test
        void givenNameIsKept() {
            assertThat(new RunState("crawler").name()).isEqualTo("crawler");
            assertThat(rs.name()).isEqualTo("indexer");
        }

        @Test
        void nullClockIsRejected() {
            assertThatThrownBy(() -> new RunState("x", null)).isInstanceOf(NullPointerException.class);
        }

        @Test
        void aNewStateIsPendingWithNoTimes() {
            assertFlags(rs, RunState.State.PENDING, false, false, false, false);
            assertThat(rs.startTime()).isEmpty();
            assertThat(rs.stopTime()).isEmpty();
            assertThat(rs.runTime()).isEqualTo(Duration.ZERO);
            assertThat(rs.totalTime()).isEqualTo(Duration.ZERO);
        }

        @Test
        void toStringContainsNameAndId() {
            assertThat(rs.toString()).contains("indexer").contains(Long.toString(rs.id()));
            RunState unnamed = new RunState();
            assertThat(unnamed.toString()).contains(unnamed.name());
        }
    }

    // ----------------------------------------------------------------------------- state machine

    @Nested
    class Transitions {

        @BeforeEach
        void record() {
            recordEvents(rs);
        }

        @Test
        void startMakesItRunning() {
            assertThat(rs.start()).isSameAs(rs);
            assertFlags(rs, RunState.State.RUNNING, true, false, false, false);
            assertThat(rs.startTime()).contains(T0);
            assertThat(rs.stopTime()).isEmpty();
            assertThat(events).containsExactly("start");
        }

        @Test
        void cancelWhileRunningIsStopping() {
            rs.start();
            rs.cancel();
            assertFlags(rs, RunState.State.STOPPING, true, true, true, false);
            assertThat(events).containsExactly("start", "cancel");
        }

        @Test
        void stopAfterCancelIsCancelled() {
            rs.start();
            rs.cancel();
            rs.stop();
            assertFlags(rs, RunState.State.CANCELLED, false, true, false, true);
            assertThat(events).containsExactly("start", "cancel", "end");
        }

        @Test
        void stopWithoutCancelIsStopped() {
            rs.start();
            rs.stop();
            // STOPPED state, yet isStopped() is false: the seed's isStopped means "cancelled and ended".
            assertFlags(rs, RunState.State.STOPPED, false, false, false, false);
            assertThat(events).containsExactly("start", "end");
        }

        @Test
        void cancelAfterStopIsCancelled() {
            rs.start();
            rs.stop();
            rs.cancel();
            assertFlags(rs, RunState.State.CANCELLED, false, true, false, true);
            assertThat(events).containsExactly("start", "end", "cancel");
        }

        @Test
        void cancelBeforeStartStaysPendingAndRunsCancelListeners() {
            rs.cancel();
            assertFlags(rs, RunState.State.PENDING, false, true, false, true);
            assertThat(events).containsExactly("cancel");
            assertThat(rs.startTime()).isEmpty();

            rs.start();
            assertFlags(rs, RunState.State.RUNNING, true, false, false, false);
            assertThat(events).containsExactly("cancel", "start");
        }

        @Test
        void cancelRunsTheCancelListenersEveryTime() {
            rs.cancel();
            rs.cancel();
            rs.start();
            rs.cancel();
            rs.cancel();
            assertThat(events).containsExactly("cancel", "cancel", "start", "cancel", "cancel");
            assertFlags(rs, RunState.State.STOPPING, true, true, true, false);
        }

        @Test
        void startOnARunningStateClearsCancelledOnly() {
            rs.start();
            rs.cancel();
            clock.advance(Duration.ofSeconds(5));
            assertThat(rs.start()).isSameAs(rs);

            assertFlags(rs, RunState.State.RUNNING, true, false, false, false);
            assertThat(rs.startTime()).contains(T0);
            assertThat(rs.runTime()).isEqualTo(Duration.ofSeconds(5));
            assertThat(events).containsExactly("start", "cancel");
        }

        @Test
        void startAfterStopStartsANewRun() {
            rs.start();
            clock.advance(Duration.ofSeconds(1));
            rs.stop();
            clock.advance(Duration.ofSeconds(1));
            rs.start();
            assertThat(rs.startTime()).contains(T0.plusSeconds(2));
            assertThat(rs.stopTime()).contains(T0.plusSeconds(1));
            assertThat(events).containsExactly("start", "end", "start");
        }

        @Test
        void startAfterACancelledRunClearsCancelled() {
            rs.start();
            rs.cancel();
            rs.stop();
            rs.start();
            assertFlags(rs, RunState.State.RUNNING, true, false, false, false);
            assertThat(events).containsExactly("start", "cancel", "end", "start");
        }

        @Test
        void stopWhenNeverStartedDoesNothing() {
            rs.stop();
            rs.end();
            rs.close();
            assertFlags(rs, RunState.State.PENDING, false, false, false, false);
            assertThat(rs.stopTime()).isEmpty();
            assertThat(rs.totalTime()).isEqualTo(Duration.ZERO);
            assertThat(events).isEmpty();
        }

        @Test
        void stopWhenAlreadyStoppedDoesNothing() {
            rs.start();
            clock.advance(Duration.ofSeconds(3));
            rs.stop();
            clock.advance(Duration.ofSeconds(4));
            rs.stop();
            rs.end();
            rs.close();
            assertThat(rs.stopTime()).contains(T0.plusSeconds(3));
            assertThat(rs.totalTime()).isEqualTo(Duration.ofSeconds(3));
            assertThat(events).containsExactly("start", "end");
        }

        @Test
        void stopOnACancelledPendingStateDoesNothing() {
            rs.cancel();
            rs.stop();
            assertFlags(rs, RunState.State.PENDING, false, true, false, true);
            assertThat(events).containsExactly("cancel");
        }

        @Test
        void endIsStop() {
            rs.start();
            clock.advance(Duration.ofSeconds(2));
            rs.end();
            assertFlags(rs, RunState.State.STOPPED, false, false, false, false);
            assertThat(rs.stopTime()).contains(T0.plusSeconds(2));
            assertThat(events).containsExactly("start", "end");
        }

        @Test
        void closeIsStop() {
            try (RunState state = rs.start()) {
                assertThat(state.isRunning()).isTrue();
                clock.advance(Duration.ofSeconds(2));
            }
            assertFlags(rs, RunState.State.STOPPED, false, false, false, false);
            assertThat(rs.stopTime()).contains(T0.plusSeconds(2));
            assertThat(events).containsExactly("start", "end");
        }

        @Test
        void closeAfterCancelLeavesItCancelled() {
            try (RunState state = rs.start()) {
                state.cancel();
            }
            assertFlags(rs, RunState.State.CANCELLED, false, true, false, true);
        }

        @Test
        void setRunningTrueStartsWithoutTouchingCancelled() {
            rs.cancel();
            clock.advance(Duration.ofSeconds(1));
            rs.setRunning(true);
            assertFlags(rs, RunState.State.STOPPING, true, true, true, false);
            assertThat(rs.startTime()).contains(T0.plusSeconds(1));
            assertThat(events).containsExactly("cancel", "start");
        }

        @Test
        void setRunningTrueOnANotCancelledStateIsRunning() {
            rs.setRunning(true);
            assertFlags(rs, RunState.State.RUNNING, true, false, false, false);
            assertThat(rs.startTime()).contains(T0);
            assertThat(events).containsExactly("start");
        }

        @Test
        void setRunningTrueOnARunningStateDoesNothing() {
            rs.start();
            rs.cancel();
            clock.advance(Duration.ofSeconds(1));
            rs.setRunning(true);
            // Unlike start(), cancelled stays set.
            assertFlags(rs, RunState.State.STOPPING, true, true, true, false);
            assertThat(rs.startTime()).contains(T0);
            assertThat(events).containsExactly("start", "cancel");
        }

        @Test
        void setRunningTrueAfterACancelledRunKeepsCancelled() {
            rs.start();
            rs.cancel();
            rs.stop();
            clock.advance(Duration.ofSeconds(1));
            rs.setRunning(true);
            assertFlags(rs, RunState.State.STOPPING, true, true, true, false);
            assertThat(rs.startTime()).contains(T0.plusSeconds(1));
            assertThat(events).containsExactly("start", "cancel", "end", "start");
        }

        @Test
        void setRunningFalseOnARunningStateIsStop() {
            rs.start();
            clock.advance(Duration.ofSeconds(4));
            rs.setRunning(false);
            assertFlags(rs, RunState.State.STOPPED, false, false, false, false);
            assertThat(rs.stopTime()).contains(T0.plusSeconds(4));
            assertThat(rs.totalTime()).isEqualTo(Duration.ofSeconds(4));
            assertThat(events).containsExactly("start", "end");
        }

        @Test
        void setRunningFalseWhenNotRunningDoesNothing() {
            rs.setRunning(false);
            assertFlags(rs, RunState.State.PENDING, false, false, false, false);
            rs.start();
            rs.stop();
            rs.setRunning(false);
            assertThat(events).containsExactly("start", "end");
            assertThat(rs.stopTime()).contains(T0);
        }
    }

    // ------------------------------------------------------------------------------------ times

    @Nested
    class Times {

        @Test
        void runTimeIsZeroBeforeAStart() {
            clock.advance(Duration.ofHours(1));
            assertThat(rs.runTime()).isEqualTo(Duration.ZERO);
            rs.cancel();
            assertThat(rs.runTime()).isEqualTo(Duration.ZERO);
        }

        @Test
        void runTimeGrowsWhileRunningAndIsTheLastRunAfterAStop() {
            rs.start();
            assertThat(rs.runTime()).isEqualTo(Duration.ZERO);
            clock.advance(Duration.ofSeconds(5));
            assertThat(rs.runTime()).isEqualTo(Duration.ofSeconds(5));
            clock.advance(Duration.ofMillis(2500));
            assertThat(rs.runTime()).isEqualTo(Duration.ofMillis(7500));
            assertThat(rs.totalTime()).as("a run in progress is not in the total").isEqualTo(Duration.ZERO);

            rs.stop();
            assertThat(rs.startTime()).contains(T0);
            assertThat(rs.stopTime()).contains(T0.plusMillis(7500));
            clock.advance(Duration.ofMinutes(1));
            assertThat(rs.runTime()).isEqualTo(Duration.ofMillis(7500));
            assertThat(rs.totalTime()).isEqualTo(Duration.ofMillis(7500));
        }

        @Test
        void totalTimeSumsTheCompletedRuns() {
            rs.start();
            clock.advance(Duration.ofSeconds(7));
            rs.stop();
            clock.advance(Duration.ofSeconds(3));

            rs.start();
            assertThat(rs.startTime()).contains(T0.plusSeconds(10));
            assertThat(rs.stopTime()).as("the last stop, until the next").contains(T0.plusSeconds(7));
            clock.advance(Duration.ofSeconds(2));
            assertThat(rs.runTime()).isEqualTo(Duration.ofSeconds(2));
            assertThat(rs.totalTime()).isEqualTo(Duration.ofSeconds(7));
            rs.cancel();
            clock.advance(Duration.ofSeconds(1));
            rs.stop();

            assertThat(rs.runTime()).isEqualTo(Duration.ofSeconds(3));
            assertThat(rs.totalTime()).isEqualTo(Duration.ofSeconds(10));
            assertThat(rs.stopTime()).contains(T0.plusSeconds(13));
        }

        @Test
        void restartingARunningStateDoesNotRestartItsClock() {
            rs.start();
            clock.advance(Duration.ofSeconds(4));
            rs.start();
            rs.setRunning(true);
            clock.advance(Duration.ofSeconds(1));
            rs.stop();
            assertThat(rs.runTime()).isEqualTo(Duration.ofSeconds(5));
            assertThat(rs.totalTime()).isEqualTo(Duration.ofSeconds(5));
        }

        @Test
        void timesAreNeverNegativeWhenTheClockGoesBack() {
            rs.start();
            clock.set(T0.minusSeconds(10));
            assertThat(rs.runTime()).isEqualTo(Duration.ZERO);
            rs.stop();
            assertThat(rs.runTime()).isEqualTo(Duration.ZERO);
            assertThat(rs.totalTime()).isEqualTo(Duration.ZERO);
        }

        @Test
        void theSystemClockIsUsedByDefault() {
            Instant before = Instant.now();
            RunState state = new RunState().start();
            Instant after = Instant.now();
            assertThat(state.startTime()).hasValueSatisfying(t -> assertThat(t).isBetween(before, after));
        }
    }

    // -------------------------------------------------------------------------------- listeners

    @Nested
    class Listeners {

        private final Logger julLogger = Logger.getLogger("cs.resources.RunState");
        private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
        private final Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        private boolean useParentHandlers;

        @BeforeEach
        void captureLog() {
            useParentHandlers = julLogger.getUseParentHandlers();
            julLogger.setUseParentHandlers(false);
            julLogger.addHandler(capture);
        }

        @AfterEach
        void releaseLog() {
            julLogger.removeHandler(capture);
            julLogger.setUseParentHandlers(useParentHandlers);
        }

        /** Each kind of listener, with the change that triggers it. */
        private record Kind(String name, Function<RunState, Function<Consumer<? super RunState>, Registration>> register,
                Consumer<RunState> trigger) {
            Registration on(RunState state, Consumer<? super RunState> listener) {
                return register.apply(state).apply(listener);
            }

            @Override
            public String toString() {
                return name;
            }
        }

        private final List<Kind> kinds = List.of(
                new Kind("onStart", s -> s::onStart, RunState::start),
                new Kind("onEnd", s -> s::onEnd, s -> {
                    s.start();
                    s.stop();
                }),
                new Kind("onCancel", s -> s::onCancel, RunState::cancel));

        @Test
        void listenersAreCalledWithTheRunStateInRegistrationOrderInTheCallingThread() {
            for (Kind kind : kinds) {
                RunState state = new RunState(kind.name(), clock);
                List<String> calls = new ArrayList<>();
                List<Object> args = new ArrayList<>();
                List<Thread> threads = new ArrayList<>();
                for (String id : List.of("a", "b", "c")) {
                    kind.on(state, r -> {
                        calls.add(id);
                        args.add(r);
                        threads.add(Thread.currentThread());
                    });
                }
                kind.trigger().accept(state);
                assertThat(calls).as(kind.name()).containsExactly("a", "b", "c");
                assertThat(args).as(kind.name()).containsOnly(state);
                assertThat(threads).as(kind.name()).containsOnly(Thread.currentThread());
            }
        }

        @Test
        void startListenersSeeTheStartedState() {
            clock.advance(Duration.ofSeconds(1));
            List<Object> seen = new ArrayList<>();
            rs.onStart(r -> {
                seen.add(r.state());
                seen.add(r.isRunning());
                seen.add(r.isCancelled());
                seen.add(r.startTime());
            });
            rs.cancel();
            rs.start();
            assertThat(seen).containsExactly(RunState.State.RUNNING, true, false, Optional.of(T0.plusSeconds(1)));

            seen.clear();
            rs.stop();
            rs.cancel();
            rs.setRunning(true);
            assertThat(seen).containsExactly(RunState.State.STOPPING, true, true, Optional.of(T0.plusSeconds(1)));
        }

        @Test
        void endListenersSeeTheStoppedState() {
            List<Object> seen = new ArrayList<>();
            rs.onEnd(r -> {
                seen.add(r.state());
                seen.add(r.isRunning());
                seen.add(r.stopTime());
                seen.add(r.totalTime());
            });
            rs.start();
            clock.advance(Duration.ofSeconds(6));
            rs.cancel();
            rs.stop();
            assertThat(seen).containsExactly(RunState.State.CANCELLED, false,
                    Optional.of(T0.plusSeconds(6)), Duration.ofSeconds(6));
        }

        @Test
        void cancelListenersSeeTheCancelledState() {
            List<Object> seen = new ArrayList<>();
            rs.onCancel(r -> {
                seen.add(r.state());
                seen.add(r.isCancelled());
                seen.add(r.isStopping());
            });
            rs.cancel();
            rs.start();
            rs.cancel();
            assertThat(seen).containsExactly(RunState.State.PENDING, true, false, RunState.State.STOPPING, true, true);
        }

        @Test
        void listenersAreCalledOnEveryTransition() {
            recordEvents(rs);
            rs.run(() -> { });
            rs.run(() -> { });
            assertThat(events).containsExactly("start", "end", "start", "end");
        }

        @Test
        void aThrowingListenerIsLoggedAndDoesNotStopTheOthers() {
            for (Kind kind : kinds) {
                logged.clear();
                RunState state = new RunState(kind.name(), clock);
                RuntimeException boom = new IllegalStateException("listener failed in " + kind.name());
                List<String> calls = new ArrayList<>();
                kind.on(state, r -> calls.add("a"));
                kind.on(state, r -> {
                    calls.add("b");
                    throw boom;
                });
                kind.on(state, r -> calls.add("c"));

                assertThatCode(() -> kind.trigger().accept(state)).as(kind.name()).doesNotThrowAnyException();
                assertThat(calls).as(kind.name()).containsExactly("a", "b", "c");
                assertThat(logged).as(kind.name()).hasSize(1);
                LogRecord record = logged.get(0);
                assertThat(record.getLevel()).isEqualTo(Level.WARNING);
                assertThat(record.getThrown()).isSameAs(boom);
                assertThat(record.getLoggerName()).isEqualTo("cs.resources.RunState");
            }
        }

        @Test
        void aListenerThrowingACheckedExceptionIsLoggedToo() {
            // Kotlin lambdas and @SneakyThrows code can throw checked exceptions from a Consumer.
            Exception boom = new IOException("listener I/O");
            List<String> calls = new ArrayList<>();
            rs.onCancel(r -> PoolTest.sneakyThrow(boom));
            rs.onCancel(r -> calls.add("after"));
            assertThatCode(rs::cancel).doesNotThrowAnyException();
            assertThat(calls).containsExactly("after");
            assertThat(logged).extracting(LogRecord::getThrown).containsExactly(boom);
            assertThat(logged.get(0).getLevel()).isEqualTo(Level.WARNING);
        }

        @Test
        void aThrowingListenerWhoseToStringAlsoThrowsIsStillOnlyLogged() {
            RuntimeException boom = new IllegalStateException("listener failed");
            Consumer<RunState> broken = new Consumer<>() {
                @Override
                public void accept(RunState r) {
                    throw boom;
                }

                @Override
                public String toString() {
                    throw new UnsupportedOperationException("no description");
                }
            };
            List<String> calls = new ArrayList<>();
            rs.onStart(broken);
            rs.onStart(r -> calls.add("after"));
            assertThatCode(rs::start).doesNotThrowAnyException();
            assertThat(calls).containsExactly("after");
            assertThat(logged).extracting(LogRecord::getThrown).containsExactly(boom);
        }

        @Test
        void aThrowingListenerDoesNotUndoTheChange() {
            rs.onStart(r -> {
                throw new IllegalStateException("start listener");
            });
            rs.onCancel(r -> {
                throw new IllegalStateException("cancel listener");
            });
            rs.onEnd(r -> {
                throw new IllegalStateException("end listener");
            });
            rs.start();
            assertFlags(rs, RunState.State.RUNNING, true, false, false, false);
            rs.cancel();
            assertFlags(rs, RunState.State.STOPPING, true, true, true, false);
            rs.stop();
            assertFlags(rs, RunState.State.CANCELLED, false, true, false, true);
            assertThat(logged).hasSize(3).allSatisfy(r -> assertThat(r.getLevel()).isEqualTo(Level.WARNING));
        }

        @Test
        void anErrorFromAListenerIsRethrownAfterTheOthersRan() {
            for (Kind kind : kinds) {
                logged.clear();
                RunState state = new RunState(kind.name(), clock);
                Error fatal = new AssertionError("fatal in " + kind.name());
                RuntimeException boom = new IllegalStateException("plain");
                List<String> calls = new ArrayList<>();
                kind.on(state, r -> calls.add("a"));
                kind.on(state, r -> {
                    calls.add("b");
                    throw fatal;
                });
                kind.on(state, r -> {
                    calls.add("c");
                    throw boom;
                });
                kind.on(state, r -> calls.add("d"));

                assertThatThrownBy(() -> kind.trigger().accept(state)).as(kind.name()).isSameAs(fatal);
                assertThat(calls).as(kind.name()).containsExactly("a", "b", "c", "d");
                assertThat(logged).as(kind.name()).extracting(LogRecord::getThrown).containsExactly(boom);
            }
        }

        @Test
        void anErrorFromAStartListenerLeavesTheStateStarted() {
            Error fatal = new OutOfMemoryError("pretend");
            rs.onStart(r -> {
                throw fatal;
            });
            assertThatThrownBy(rs::start).isSameAs(fatal);
            assertFlags(rs, RunState.State.RUNNING, true, false, false, false);
            assertThat(rs.startTime()).contains(T0);
        }

        @Test
        void closingARegistrationRemovesTheListener() {
            List<String> calls = new ArrayList<>();
            Registration a = rs.onCancel(r -> calls.add("a"));
            Registration b = rs.onCancel(r -> calls.add("b"));
            Registration c = rs.onCancel(r -> calls.add("c"));
            rs.cancel();
            b.close();
            rs.cancel();
            assertThatCode(b::close).doesNotThrowAnyException();
            rs.cancel();
            a.close();
            c.close();
            rs.cancel();
            assertThat(calls).containsExactly("a", "b", "c", "a", "c", "a", "c");
        }

        @Test
        void closingRegistrationsRemovesStartAndEndListeners() {
            recordEvents(rs);
            AtomicInteger starts = new AtomicInteger();
            AtomicInteger ends = new AtomicInteger();
            Registration onStart = rs.onStart(r -> starts.incrementAndGet());
            Registration onEnd = rs.onEnd(r -> ends.incrementAndGet());
            rs.start();
            rs.stop();
            onStart.close();
            onEnd.close();
            rs.start();
            rs.stop();
            assertThat(starts).hasValue(1);
            assertThat(ends).hasValue(1);
            assertThat(events).containsExactly("start", "end", "start", "end");
        }

        @Test
        void theSameConsumerRegisteredTwiceIsCalledTwiceAndRemovedOnceByEachRegistration() {
            AtomicInteger calls = new AtomicInteger();
            Consumer<RunState> listener = r -> calls.incrementAndGet();
            Registration first = rs.onCancel(listener);
            Registration second = rs.onCancel(listener);

            rs.cancel();
            assertThat(calls).hasValue(2);

            first.close();
            rs.cancel();
            assertThat(calls).hasValue(3);

            first.close();
            rs.cancel();
            assertThat(calls).as("closing a registration twice removes one entry only").hasValue(4);

            second.close();
            rs.cancel();
            assertThat(calls).hasValue(4);
        }

        @Test
        void aListenerMayRemoveItselfWhileBeingCalled() {
            List<String> calls = new ArrayList<>();
            AtomicReference<Registration> self = new AtomicReference<>();
            self.set(rs.onCancel(r -> {
                calls.add("once");
                self.get().close();
            }));
            rs.onCancel(r -> calls.add("always"));
            rs.cancel();
            rs.cancel();
            assertThat(calls).containsExactly("once", "always", "always");
        }

        @Test
        void nullListenersAreRejected() {
            assertThatThrownBy(() -> rs.onStart(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> rs.onEnd(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> rs.onCancel(null)).isInstanceOf(NullPointerException.class);
            rs.start();
            rs.cancel();
            rs.stop();
        }
    }

    // -------------------------------------------------------------------------------- run, call

    @Nested
    class RunAndCall {

        @BeforeEach
        void record() {
            recordEvents(rs);
        }

        @Test
        void runStartsRunsAndStops() {
            List<Object> inside = new ArrayList<>();
            rs.run(() -> {
                inside.add(rs.state());
                clock.advance(Duration.ofSeconds(2));
            });
            assertThat(inside).containsExactly(RunState.State.RUNNING);
            assertFlags(rs, RunState.State.STOPPED, false, false, false, false);
            assertThat(rs.runTime()).isEqualTo(Duration.ofSeconds(2));
            assertThat(events).containsExactly("start", "end");
        }

        @Test
        void runCancelsAndStopsWhenTheBodyThrowsAndRethrowsTheSameException() {
            RuntimeException boom = new IllegalArgumentException("body failed");
            assertThatThrownBy(() -> rs.run(() -> {
                throw boom;
            })).isSameAs(boom);
            assertFlags(rs, RunState.State.CANCELLED, false, true, false, true);
            assertThat(events).containsExactly("start", "cancel", "end");
        }

        @Test
        void runRethrowsAnError() {
            Error fatal = new AssertionError("body error");
            assertThatThrownBy(() -> rs.run(() -> {
                throw fatal;
            })).isSameAs(fatal);
            assertFlags(rs, RunState.State.CANCELLED, false, true, false, true);
            assertThat(events).containsExactly("start", "cancel", "end");
        }

        @Test
        void runClearsAnEarlierCancel() {
            rs.cancel();
            AtomicReference<RunState.State> inside = new AtomicReference<>();
            rs.run(() -> inside.set(rs.state()));
            assertThat(inside).hasValue(RunState.State.RUNNING);
            assertFlags(rs, RunState.State.STOPPED, false, false, false, false);
        }

        @Test
        void aBodyThatCancelsEndsCancelledWithoutThrowing() {
            rs.run(rs::cancel);
            assertFlags(rs, RunState.State.CANCELLED, false, true, false, true);
            assertThat(events).containsExactly("start", "cancel", "end");
        }

        @Test
        void callReturnsTheBodysResult() throws Exception {
            String result = rs.call(() -> {
                assertThat(rs.state()).isEqualTo(RunState.State.RUNNING);
                return "done";
            });
            assertThat(result).isEqualTo("done");
            assertFlags(rs, RunState.State.STOPPED, false, false, false, false);
            assertThat(events).containsExactly("start", "end");
        }

        @Test
        void callRethrowsACheckedExceptionAfterCancellingAndStopping() {
            IOException boom = new IOException("disk gone");
            assertThatThrownBy(() -> rs.call(() -> {
                throw boom;
            })).isSameAs(boom);
            assertFlags(rs, RunState.State.CANCELLED, false, true, false, true);
            assertThat(events).containsExactly("start", "cancel", "end");
        }

        @Test
        void callRethrowsARuntimeException() {
            RuntimeException boom = new UnsupportedOperationException("nope");
            assertThatThrownBy(() -> rs.call(() -> {
                throw boom;
            })).isSameAs(boom);
            assertThat(events).containsExactly("start", "cancel", "end");
        }

        @Test
        void nullBodiesAreRejectedAndChangeNothing() {
            assertThatThrownBy(() -> rs.run(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> rs.call(null)).isInstanceOf(NullPointerException.class);
            assertFlags(rs, RunState.State.PENDING, false, false, false, false);
            assertThat(events).isEmpty();
        }
    }

    // ------------------------------------------------------------------- raiseIfCancelled, sleep

    @Nested
    class CancellationChecks {

        @Test
        void raiseIfCancelledThrowsOnlyWhenCancelled() {
            assertThatCode(rs::raiseIfCancelled).doesNotThrowAnyException();
            rs.start();
            assertThatCode(rs::raiseIfCancelled).doesNotThrowAnyException();
            rs.cancel();
            assertThatThrownBy(rs::raiseIfCancelled)
                    .isExactlyInstanceOf(CancellationException.class)
                    .hasMessageContaining("indexer");
            rs.stop();
            assertThatThrownBy(rs::raiseIfCancelled).isExactlyInstanceOf(CancellationException.class);
            rs.start();
            assertThatCode(rs::raiseIfCancelled).doesNotThrowAnyException();
        }

        @Test
        void raiseIfCancelledBeforeAStart() {
            rs.cancel();
            assertThatThrownBy(rs::raiseIfCancelled).isExactlyInstanceOf(CancellationException.class)
                    .hasMessageContaining("indexer");
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void sleepReturnsTrueWhenTheWholeTimePassed() throws InterruptedException {
            rs.start();
            long before = System.nanoTime();
            assertThat(rs.sleep(Duration.ofMillis(50))).isTrue();
            assertThat(System.nanoTime() - before).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
            assertThat(rs.isCancelled()).isFalse();
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void sleepOfZeroOnlyChecks() throws InterruptedException {
            assertThat(rs.sleep(Duration.ZERO)).isTrue();
            rs.cancel();
            assertThat(rs.sleep(Duration.ZERO)).isFalse();
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void sleepReturnsFalseAtOnceWhenAlreadyCancelled() throws InterruptedException {
            rs.start();
            rs.cancel();
            long before = System.nanoTime();
            assertThat(rs.sleep(Duration.ofSeconds(30))).isFalse();
            assertThat(System.nanoTime() - before).isLessThan(TimeUnit.SECONDS.toNanos(5));
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void sleepReturnsFalsePromptlyWhenCancelledFromAnotherThread() throws Exception {
            rs.start();
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                AtomicReference<Thread> sleeper = new AtomicReference<>();
                CountDownLatch about = new CountDownLatch(1);
                Future<Boolean> slept = executor.submit(() -> {
                    sleeper.set(Thread.currentThread());
                    about.countDown();
                    return rs.sleep(Duration.ofSeconds(30));
                });
                assertThat(about.await(5, TimeUnit.SECONDS)).isTrue();
                awaitWaiting(sleeper.get());
                long before = System.nanoTime();
                rs.cancel();
                assertThat(slept.get(5, TimeUnit.SECONDS)).isFalse();
                assertThat(System.nanoTime() - before).isLessThan(TimeUnit.SECONDS.toNanos(5));
            } finally {
                executor.shutdownNow();
                assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void sleepIsNotEndedByStartOrStop() throws Exception {
            rs.start();
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                AtomicReference<Thread> sleeper = new AtomicReference<>();
                CountDownLatch about = new CountDownLatch(1);
                Future<Boolean> slept = executor.submit(() -> {
                    sleeper.set(Thread.currentThread());
                    about.countDown();
                    return rs.sleep(Duration.ofMillis(300));
                });
                assertThat(about.await(5, TimeUnit.SECONDS)).isTrue();
                awaitWaiting(sleeper.get());
                rs.stop();
                rs.start();
                assertThat(slept.get(5, TimeUnit.SECONDS)).isTrue();
            } finally {
                executor.shutdownNow();
                assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void sleepThrowsInterruptedExceptionWhenInterruptedMidSleep() throws Exception {
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                AtomicReference<Thread> sleeper = new AtomicReference<>();
                CountDownLatch about = new CountDownLatch(1);
                Future<Boolean> interruptFlagAfter = executor.submit(() -> {
                    sleeper.set(Thread.currentThread());
                    about.countDown();
                    try {
                        rs.sleep(Duration.ofSeconds(30));
                        return null;
                    } catch (InterruptedException e) {
                        return Thread.currentThread().isInterrupted();
                    }
                });
                assertThat(about.await(5, TimeUnit.SECONDS)).isTrue();
                awaitWaiting(sleeper.get());
                sleeper.get().interrupt();
                assertThat(interruptFlagAfter.get(5, TimeUnit.SECONDS)).as("interrupt flag after the exception")
                        .isFalse();
                assertThat(rs.isCancelled()).isFalse();
            } finally {
                executor.shutdownNow();
                assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void sleepThrowsInterruptedExceptionWhenAlreadyInterrupted() {
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> rs.sleep(Duration.ofSeconds(30))).isInstanceOf(InterruptedException.class);
                assertThat(Thread.currentThread().isInterrupted()).isFalse();
            } finally {
                Thread.interrupted();
            }
        }

        @Test
        void sleepRejectsBadDurations() {
            assertThatThrownBy(() -> rs.sleep(Duration.ofMillis(-1)))
                    .isExactlyInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> rs.sleep(null)).isInstanceOf(NullPointerException.class);
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void aHugeSleepIsCancellable() throws Exception {
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                AtomicReference<Thread> sleeper = new AtomicReference<>();
                CountDownLatch about = new CountDownLatch(1);
                Future<Boolean> slept = executor.submit(() -> {
                    sleeper.set(Thread.currentThread());
                    about.countDown();
                    return rs.sleep(Duration.ofSeconds(Long.MAX_VALUE));
                });
                assertThat(about.await(5, TimeUnit.SECONDS)).isTrue();
                awaitWaiting(sleeper.get());
                assertThat(slept).isNotDone();
                rs.cancel();
                assertThat(slept.get(5, TimeUnit.SECONDS)).isFalse();
            } finally {
                executor.shutdownNow();
                assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    /** Waits (by observation, not by sleeping) until {@code thread} is parked in a wait. */
    static void awaitWaiting(Thread thread) {
        for (;;) {
            Thread.State state = thread.getState();
            if (state == Thread.State.TIMED_WAITING || state == Thread.State.WAITING) {
                return;
            }
            assertThat(state).isNotEqualTo(Thread.State.TERMINATED);
            Thread.onSpinWait();
        }
    }

    // ------------------------------------------------------------------------------------ mixin

    @Nested
    class Mixin {

        private final class Crawler implements RunStateMixin {
            private final RunState runState = new RunState("crawler", clock);

            @Override
            public RunState runState() {
                return runState;
            }
        }

        @Test
        void defaultMethodsDelegateToTheRunState() {
            Crawler crawler = new Crawler();
            List<String> calls = new ArrayList<>();
            crawler.runState().onCancel(r -> calls.add("cancel"));

            assertThat(crawler.isRunning()).isFalse();
            assertThat(crawler.isCancelled()).isFalse();
            assertThat(crawler.isStopping()).isFalse();
            assertThat(crawler.isStopped()).isFalse();

            crawler.runState().start();
            assertThat(crawler.isRunning()).isTrue();
            assertThat(crawler.isStopping()).isFalse();

            crawler.cancel();
            assertThat(calls).containsExactly("cancel");
            assertThat(crawler.runState().isCancelled()).isTrue();
            assertThat(crawler.isCancelled()).isTrue();
            assertThat(crawler.isStopping()).isTrue();
            assertThat(crawler.isStopped()).isFalse();

            crawler.runState().stop();
            assertThat(crawler.isRunning()).isFalse();
            assertThat(crawler.isStopping()).isFalse();
            assertThat(crawler.isStopped()).isTrue();
        }

        @Test
        void defaultMethodsAskTheRunStateEveryTime() {
            AtomicReference<RunState> current = new AtomicReference<>(new RunState("one", clock));
            RunStateMixin mixin = current::get;
            mixin.cancel();
            assertThat(mixin.isCancelled()).isTrue();
            current.set(new RunState("two", clock).start());
            assertThat(mixin.isCancelled()).isFalse();
            assertThat(mixin.isRunning()).isTrue();
        }
    }
}
