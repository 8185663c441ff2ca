package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Black-box tests of {@link RunState} and {@link RunStateMixin}. */
class RunStateTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");


    private final ManualClock clock = new ManualClock(T0);
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
            assertThatThrownBy(() -> new RunState("x", (Clock) null)).isInstanceOf(NullPointerException.class);
        }

        @Test
        void aNewStateIsPendingWithNoTimes() {
            assertFlags(rs, "PENDING");
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

    /**
     * What the flag queries answer in each state, as {@link #assertFlags} takes them: running,
     * cancelled, stopping, stopped. {@code isStopped()} follows the seed: not running and
     * cancelled, so it is false for {@code STOPPED} and true for a cancelled {@code PENDING}.
     */
    private static final Map<String, boolean[]> FLAGS = Map.of(
            "PENDING", new boolean[] {false, false, false, false},
            "PENDING cancelled", new boolean[] {false, true, false, true},
            "RUNNING", new boolean[] {true, false, false, false},
            "PAUSED", new boolean[] {true, false, false, false},
            "STOPPING", new boolean[] {true, true, true, false},
            "CANCELLED", new boolean[] {false, true, false, true},
            "STOPPED", new boolean[] {false, false, false, false});

    /** {@link #assertFlags} with the flags of {@code expected} ({@link #FLAGS}). */
    private static void assertFlags(RunState state, String expected) {
        boolean[] f = FLAGS.get(expected);
        assertThat(f).as("a state of FLAGS").isNotNull();
        assertFlags(state, RunState.State.valueOf(expected.split(" ")[0]), f[0], f[1], f[2], f[3]);
    }

    /**
     * Plays {@code steps} on {@link #rs}, one word a call: {@code start} (which must return the
     * RunState), {@code cancel}, {@code stop}, {@code end}, {@code close}, {@code running} and
     * {@code notRunning} ({@code setRunning(true/false)}), {@code pause}, {@code resume}; {@code +5s} or {@code +2500ms} moves the clock on by that
     * much, and {@code @-10s} sets it to that much after {@link #T0}.
     */
    private void play(String steps) {
        for (String step : steps.split(" ")) {
            switch (step) {
                case "start" -> assertThat(rs.start()).isSameAs(rs);
                case "cancel" -> rs.cancel();
                case "stop" -> rs.stop();
                case "end" -> rs.end();
                case "close" -> rs.close();
                case "running" -> rs.setRunning(true);
                case "notRunning" -> rs.setRunning(false);
                case "pause" -> rs.pause();
                case "resume" -> rs.resume();
                default -> {
                    assertThat(step).as("a step").matches("[+@]-?\\d+m?s");
                    if (step.startsWith("+")) {
                        clock.advance(duration(step.substring(1)));
                    } else {
                        clock.set(T0.plus(duration(step.substring(1))));
                    }
                }
            }
        }
    }

    /**
     * A script of calls ({@link #play}) in parts, and what must hold after each part: the state
     * and its flags, the listener calls so far, and the times ({@link #duration}s, the instants
     * as that long after {@link #T0}, {@code "-"} for none). What a part does not say is not
     * checked.
     */
    static final class Script {
        private final String name;
        /** Each part: its steps, and what must hold after them, by what is checked. */
        private final List<Map.Entry<String, Map<String, Object>>> parts = new ArrayList<>();

        private Script(String name) {
            this.name = name;
        }

        static Script of(String name, String steps) {
            return new Script(name).then(steps);
        }

        Script then(String steps) {
            parts.add(Map.entry(steps, new java.util.LinkedHashMap<>()));
            return this;
        }

        private Script expect(String what, Object value) {
            parts.get(parts.size() - 1).getValue().put(what, value);
            return this;
        }

        Script is(String state) {
            return expect("state", state);
        }

        Script events(String... calls) {
            return expect("events", List.of(calls));
        }

        Script startedAt(String after) {
            return expect("startTime", at(after));
        }

        Script stoppedAt(String after) {
            return expect("stopTime", at(after));
        }

        Script total(String time) {
            return expect("totalTime", duration(time));
        }

        Script runTime(String time) {
            return expect("runTime", duration(time));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** @return {@code "7s"} or {@code "7500ms"} as a Duration */
    private static Duration duration(String text) {
        return text.endsWith("ms") ? Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)))
                : Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
    }

    /** @return that long ({@link #duration}) after T0; empty for {@code "-"} */
    private static Optional<Instant> at(String after) {
        return after.equals("-") ? Optional.empty() : Optional.of(T0.plus(duration(after)));
    }

    /** Plays each part of {@code script} on {@link #rs}, and checks what the part says must hold. */
    private void check(Script script) {
        for (Map.Entry<String, Map<String, Object>> part : script.parts) {
            play(part.getKey());
            for (Map.Entry<String, Object> expected : part.getValue().entrySet()) {
                Object value = expected.getValue();
                switch (expected.getKey()) {
                    case "state" -> assertFlags(rs, (String) value);
                    case "events" -> assertThat(events).as("listener calls").isEqualTo(value);
                    case "startTime" -> assertThat(rs.startTime()).as("startTime").isEqualTo(value);
                    case "stopTime" -> assertThat(rs.stopTime()).as("stopTime").isEqualTo(value);
                    case "totalTime" -> assertThat(rs.totalTime()).as("totalTime").isEqualTo(value);
                    default -> assertThat(rs.runTime()).as("runTime").isEqualTo(value);
                }
            }
        }
    }

    // ----------------------------------------------------------------------------- state machine

    @Nested
    class Transitions {

        @BeforeEach
        void record() {
            recordEvents(rs);
        }

        static Stream<Script> scripts() {
            return Stream.of(
                    Script.of("startMakesItRunning", "start").is("RUNNING").events("start").startedAt("0s").stoppedAt("-"),
                    Script.of("cancelWhileRunningIsStopping", "start cancel").is("STOPPING").events("start", "cancel"),
                    Script.of("stopAfterCancelIsCancelled", "start cancel stop").is("CANCELLED")
                            .events("start", "cancel", "end"),
                    // STOPPED, yet isStopped() is false: the seed's isStopped means "cancelled and ended".
                    Script.of("stopWithoutCancelIsStopped", "start stop").is("STOPPED").events("start", "end"),
                    Script.of("cancelAfterStopIsCancelled", "start stop cancel").is("CANCELLED")
                            .events("start", "end", "cancel"),
                    Script.of("cancelBeforeStartStaysPendingAndRunsCancelListeners", "cancel").is("PENDING cancelled")
                            .events("cancel").startedAt("-")
                            .then("start").is("RUNNING").events("cancel", "start"),
                    Script.of("cancelRunsTheCancelListenersEveryTime", "cancel cancel start cancel cancel").is("STOPPING")
                            .events("cancel", "cancel", "start", "cancel", "cancel"),
                    Script.of("startOnARunningStateClearsCancelledOnly", "start cancel +5s start").is("RUNNING")
                            .events("start", "cancel").startedAt("0s").runTime("5s"),
                    Script.of("startAfterStopStartsANewRun", "start +1s stop +1s start").is("RUNNING")
                            .events("start", "end", "start").startedAt("2s").stoppedAt("1s"),
                    Script.of("startAfterACancelledRunClearsCancelled", "start cancel stop start").is("RUNNING")
                            .events("start", "cancel", "end", "start"),
                    Script.of("stopWhenNeverStartedDoesNothing", "stop end close").is("PENDING").events()
                            .stoppedAt("-").total("0s"),
                    Script.of("stopWhenAlreadyStoppedDoesNothing", "start +3s stop +4s stop end close").is("STOPPED")
                            .events("start", "end").stoppedAt("3s").total("3s"),
                    Script.of("stopOnACancelledPendingStateDoesNothing", "cancel stop").is("PENDING cancelled")
                            .events("cancel"),
                    Script.of("endIsStop", "start +2s end").is("STOPPED").events("start", "end").stoppedAt("2s"),
                    // Unlike start(), setRunning(true) leaves cancelled set.
                    Script.of("setRunningTrueStartsWithoutTouchingCancelled", "cancel +1s running").is("STOPPING")
                            .events("cancel", "start").startedAt("1s"),
                    Script.of("setRunningTrueOnANotCancelledStateIsRunning", "running").is("RUNNING").events("start")
                            .startedAt("0s"),
                    Script.of("setRunningTrueOnARunningStateDoesNothing", "start cancel +1s running").is("STOPPING")
                            .events("start", "cancel").startedAt("0s"),
                    Script.of("setRunningTrueAfterACancelledRunKeepsCancelled", "start cancel stop +1s running")
                            .is("STOPPING").events("start", "cancel", "end", "start").startedAt("1s"),
                    Script.of("setRunningFalseOnARunningStateIsStop", "start +4s notRunning").is("STOPPED")
                            .events("start", "end").stoppedAt("4s").total("4s"),
                    Script.of("setRunningFalseWhenNotRunningDoesNothing", "notRunning").is("PENDING")
                            .then("start stop notRunning").events("start", "end").stoppedAt("0s"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("scripts")
        void script(Script script) {
            check(script);
        }

        @Test
        void closeIsStop() {
            try (RunState state = rs.start()) {
                assertThat(state.isRunning()).isTrue();
                clock.advance(Duration.ofSeconds(2));
            }
            assertFlags(rs, "STOPPED");
            assertThat(rs.stopTime()).contains(T0.plusSeconds(2));
            assertThat(events).containsExactly("start", "end");
        }

        @Test
        void closeAfterCancelLeavesItCancelled() {
            try (RunState state = rs.start()) {
                state.cancel();
            }
            assertFlags(rs, "CANCELLED");
        }
    }

    // ------------------------------------------------------------------------------------ times

    @Nested
    class Times {

        static Stream<Script> scripts() {
            return Stream.of(
                    Script.of("runTimeIsZeroBeforeAStart", "+3600s").runTime("0s")
                            .then("cancel").runTime("0s"),
                    // A run in progress is not in the total; after a stop, runTime is the last run.
                    Script.of("runTimeGrowsWhileRunningAndIsTheLastRunAfterAStop", "start").runTime("0s")
                            .then("+5s").runTime("5s")
                            .then("+2500ms").runTime("7500ms").total("0s")
                            .then("stop").startedAt("0s").stoppedAt("7500ms")
                            .then("+60s").runTime("7500ms").total("7500ms"),
                    // stopTime is the last stop, until the next.
                    Script.of("totalTimeSumsTheCompletedRuns", "start +7s stop +3s start").startedAt("10s").stoppedAt("7s")
                            .then("+2s").runTime("2s").total("7s")
                            .then("cancel +1s stop").runTime("3s").total("10s").stoppedAt("13s"),
                    Script.of("restartingARunningStateDoesNotRestartItsClock", "start +4s start running +1s stop")
                            .runTime("5s").total("5s"),
                    Script.of("timesAreNeverNegativeWhenTheClockGoesBack", "start @-10s").runTime("0s")
                            .then("stop").runTime("0s").total("0s"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("scripts")
        void script(Script script) {
            check(script);
        }

        @Test
        void theClockIsReadOutsideTheMonitor() {
            // A clock that needs another thread to get through a synchronized method of the same
            // RunState: start and stop would deadlock if they read it holding the monitor.
            RunState[] box = new RunState[1];
            Clock blocking = new Clock() {
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
                    if (box[0] != null) {
                        inAnotherThread(() -> box[0].totalTime(), "the clock was read under the RunState's monitor");
                    }
                    return T0;
                }
            };
            box[0] = new RunState("clocked", blocking);
            box[0].start();
            box[0].stop();
            assertThat(box[0].stopTime()).contains(T0);
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

        /** @return what a listener registered by {@code register} saw, by {@code look}, each time it ran */
        private List<Object> seenBy(Function<Consumer<? super RunState>, Registration> register,
                Function<RunState, List<Object>> look) {
            List<Object> seen = new ArrayList<>();
            register.apply(r -> seen.addAll(look.apply(r)));
            return seen;
        }

        @Test
        void startListenersSeeTheStartedState() {
            clock.advance(Duration.ofSeconds(1));
            List<Object> seen = seenBy(rs::onStart, r -> List.of(r.state(), r.isRunning(), r.isCancelled(), r.startTime()));
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
            List<Object> seen = seenBy(rs::onEnd, r -> List.of(r.state(), r.isRunning(), r.stopTime(), r.totalTime()));
            rs.start();
            clock.advance(Duration.ofSeconds(6));
            rs.cancel();
            rs.stop();
            assertThat(seen).containsExactly(RunState.State.CANCELLED, false,
                    Optional.of(T0.plusSeconds(6)), Duration.ofSeconds(6));
        }

        @Test
        void cancelListenersSeeTheCancelledState() {
            List<Object> seen = seenBy(rs::onCancel, r -> List.of(r.state(), r.isCancelled(), r.isStopping()));
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
            assertFlags(rs, "RUNNING");
            rs.cancel();
            assertFlags(rs, "STOPPING");
            rs.stop();
            assertFlags(rs, "CANCELLED");
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
            assertFlags(rs, "RUNNING");
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
            assertFlags(rs, "STOPPED");
            assertThat(rs.runTime()).isEqualTo(Duration.ofSeconds(2));
            assertThat(events).containsExactly("start", "end");
        }

        /** A body that throws, through run() or call(): rethrown as it is, after a cancel and a stop. */
        static Stream<Arguments> throwingBodies() {
            return Stream.of(
                    Arguments.of("runCancelsAndStopsWhenTheBodyThrowsAndRethrowsTheSameException", "run",
                            new IllegalArgumentException("body failed")),
                    Arguments.of("runRethrowsAnError", "run", new AssertionError("body error")),
                    Arguments.of("callRethrowsACheckedExceptionAfterCancellingAndStopping", "call", new IOException("disk gone")),
                    Arguments.of("callRethrowsARuntimeException", "call", new UnsupportedOperationException("nope")));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("throwingBodies")
        void aThrowingBody(String name, String how, Throwable boom) {
            assertThatThrownBy(() -> runOrCall(rs, how, () -> {
                throw boom;
            })).isSameAs(boom);
            assertFlags(rs, "CANCELLED");
            assertThat(events).containsExactly("start", "cancel", "end");
        }

        @ParameterizedTest(name = "{0}HonoursAnEarlierCancel")
        @ValueSource(strings = {"run", "call"})
        void anEarlierCancelIsHonoured(String how) {
            rs.cancel();
            events.clear();
            AtomicInteger ran = new AtomicInteger();
            if (how.equals("call")) {
                assertThatThrownBy(() -> rs.call(ran::incrementAndGet))
                        .isExactlyInstanceOf(CancellationException.class)
                        .hasMessage("call() on " + rs + ": cancelled before its body ran");
            } else {
                rs.run(ran::incrementAndGet);
            }
            assertThat(ran).as("the body did not run").hasValue(0);
            assertFlags(rs, "CANCELLED");
            assertThat(events).containsExactly("start", "end");
            assertThat(rs.startTime()).isPresent();
            assertThat(rs.failure()).isEmpty();
        }

        @Test
        void startStillClearsAnEarlierCancel() {
            rs.cancel();
            rs.start();
            assertFlags(rs, "RUNNING");
            AtomicReference<RunState.State> inside = new AtomicReference<>();
            rs.run(() -> inside.set(rs.state()));
            assertThat(inside).hasValue(RunState.State.RUNNING);
        }

        @Test
        void aRunAfterACancelledRunRunsOnceStarted() {
            rs.cancel();
            rs.run(() -> events.add("body"));
            assertThat(events).doesNotContain("body");
            rs.start().stop(); // start() clears the cancel
            rs.run(() -> events.add("body"));
            assertThat(events).contains("body");
            assertFlags(rs, "STOPPED");
        }

        @Test
        void aBodyThatCancelsEndsCancelledWithoutThrowing() {
            rs.run(rs::cancel);
            assertFlags(rs, "CANCELLED");
            assertThat(events).containsExactly("start", "cancel", "end");
        }

        @Test
        void callReturnsTheBodysResult() throws Exception {
            String result = rs.call(() -> {
                assertThat(rs.state()).isEqualTo(RunState.State.RUNNING);
                return "done";
            });
            assertThat(result).isEqualTo("done");
            assertFlags(rs, "STOPPED");
            assertThat(events).containsExactly("start", "end");
        }

        @Test
        @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void aRunOrCallWhileAnotherBodyRunsIsRefusedAndChangesNothing() throws Exception {
            CountDownLatch inBody = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            RuntimeException earlier = new IllegalStateException("earlier failure");
            assertThatThrownBy(() -> rs.run(() -> {
                throw earlier;
            })).isSameAs(earlier);
            rs.start().stop(); // clears the cancel the failure left; failure() keeps it
            events.clear();
            Worker<String> first = new Worker<>(() -> {
                rs.run(() -> {
                    inBody.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                return "first ended";
            });
            assertThat(inBody.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(rs.failure()).as("forgotten by the new body").isEmpty();
            Instant started = rs.startTime().orElseThrow();
            AtomicInteger ran = new AtomicInteger();
            for (boolean cancelled : new boolean[] {false, true}) {
                if (cancelled) {
                    rs.cancel(); // the rule holds for a cancelled RunState too: refused, not ended
                }
                RunState.State before = rs.state();
                List<String> eventsBefore = List.copyOf(events);
                assertThatThrownBy(() -> rs.run(ran::incrementAndGet)).isExactlyInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("run() of " + rs)
                        .hasMessageContaining("another run()/call()");
                assertThatThrownBy(() -> rs.call(ran::incrementAndGet)).isExactlyInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("call() of " + rs);
                assertThat(rs.state()).isEqualTo(before);
                assertThat(events).isEqualTo(eventsBefore);
                assertThat(rs.startTime()).contains(started);
                assertThat(RunState.current()).isEmpty();
            }
            assertThat(ran).as("no refused body ran").hasValue(0);
            assertThat(rs.state()).isEqualTo(RunState.State.STOPPING);
            release.countDown();
            assertThat(first.get()).isEqualTo("first ended");
            assertFlags(rs, "CANCELLED");
            assertThat(events).containsExactly("start", "cancel", "end");
            rs.start().stop();
            rs.run(ran::incrementAndGet);
            assertThat(ran).as("a run after the body ended runs").hasValue(1);
        }

        @Test
        void aNestedRunOfTheSameRunStateIsRefused() throws Exception {
            List<Throwable> refusals = new ArrayList<>();
            rs.run(() -> {
                try {
                    rs.run(() -> events.add("inner run"));
                } catch (IllegalStateException e) {
                    refusals.add(e);
                }
                try {
                    rs.call(() -> events.add("inner call"));
                } catch (Exception e) {
                    refusals.add(e);
                }
                assertThat(RunState.current()).containsSame(rs);
                assertThat(rs.state()).isEqualTo(RunState.State.RUNNING);
            });
            assertThat(refusals).hasSize(2).allSatisfy(e -> assertThat(e)
                    .isExactlyInstanceOf(IllegalStateException.class).hasMessageContaining(rs.name()));
            assertFlags(rs, "STOPPED");
            assertThat(events).containsExactly("start", "end");
            assertThat(rs.failure()).isEmpty();
        }

        @Test
        void anEndListenerMayRunTheNextBody() {
            AtomicInteger bodies = new AtomicInteger();
            AtomicBoolean again = new AtomicBoolean(true);
            rs.onEnd(r -> {
                if (again.getAndSet(false)) {
                    r.run(bodies::incrementAndGet); // the first body has ended when its end listeners run
                }
            });
            rs.run(bodies::incrementAndGet);
            assertThat(bodies).hasValue(2);
            assertThat(events).containsExactly("start", "end", "start", "end");
        }

        @Test
        void nullBodiesAreRejectedAndChangeNothing() {
            assertThatThrownBy(() -> rs.run(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> rs.call(null)).isInstanceOf(NullPointerException.class);
            assertFlags(rs, "PENDING");
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

        /** A sleep in another thread, ended by a cancel made while it waits. */
        static Stream<Arguments> sleepsEndedFromAnotherThread() {
            return Stream.of(
                    Arguments.of("sleepReturnsFalsePromptlyWhenCancelledFromAnotherThread", Duration.ofSeconds(30)),
                    Arguments.of("aHugeSleepIsCancellable", Duration.ofSeconds(Long.MAX_VALUE)));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("sleepsEndedFromAnotherThread")
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void aSleepCancelledFromAnotherThread(String name, Duration duration) throws Exception {
            rs.start();
            Worker<Boolean> sleeper = new Worker<>(() -> rs.sleep(duration)).awaitWaiting();
            assertThat(sleeper.result).isNotDone();
            long before = System.nanoTime();
            rs.cancel();
            assertThat(sleeper.get()).isFalse();
            assertThat(System.nanoTime() - before).isLessThan(TimeUnit.SECONDS.toNanos(5));
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
    }

    /** A body for {@link #runOrCall}: may throw anything. */
    @FunctionalInterface
    interface Body {
        void run() throws Throwable;
    }

    /**
     * Runs {@code body} through {@code state.run} ({@code how} "run") or {@code state.call}
     * ("call"), letting whatever it throws out as it is.
     */
    static void runOrCall(RunState state, String how, Body body) throws Exception {
        Callable<Object> callable = () -> {
            try {
                body.run();
            } catch (Throwable t) {
                PoolTest.sneakyThrow(t);
            }
            return null;
        };
        switch (how) {
            case "run" -> state.run(() -> {
                try {
                    callable.call();
                } catch (Exception e) {
                    PoolTest.sneakyThrow(e);
                }
            });
            case "call" -> state.call(callable);
            default -> throw new IllegalArgumentException(how);
        }
    }

    /**
     * Calls {@code call} in a new thread and waits up to 10 s for it: a call that needs a monitor
     * the calling thread holds never returns, and the wait fails with {@code failure}.
     */
    static void inAnotherThread(Callable<?> call, String failure) {
        FutureTask<?> other = new FutureTask<>(call);
        new Thread(other).start();
        try {
            other.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(failure, e);
        }
    }

    /** run() of a cancelled RunState: its body does not run, and it ends CANCELLED. */
    static void assertRunSkipsItsBody(RunState state) {
        AtomicInteger ran = new AtomicInteger();
        state.run(ran::incrementAndGet);
        assertThat(ran).as("the body did not run").hasValue(0);
        assertThat(state.state()).isEqualTo(RunState.State.CANCELLED);
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

    // -------------------------------------------------------------------------- second round

    /** Runs a body in a thread of its own, so a test can watch it wait. */
    static final class Worker<T> {
        final FutureTask<T> result;
        final Thread thread;

        Worker(Callable<T> body) {
            result = new FutureTask<>(body);
            thread = new Thread(result, "RunStateTest-worker");
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits until the worker is blocked in a wait. */
        Worker<T> awaitWaiting() {
            RunStateTest.awaitWaiting(thread);
            return this;
        }

        T get() throws Exception {
            try {
                return result.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }

    /** Collects garbage until {@code ref} is cleared (fails after about 10 s). */
    static void awaitCollected(Reference<?> ref, ReferenceQueue<?> queue) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            System.gc();
            if (queue.remove(100) == ref || ref.refersTo(null)) {
                return;
            }
        }
        throw new AssertionError("still reachable: " + ref.get());
    }

    @Nested
    class ProgressReports {

        @Test
        void noProgressBeforeAnyCall() {
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(0, 0, ""));
            assertThat(rs.eta()).isEmpty();
        }

        @Test
        void totalDoneAndMessage() {
            rs.setTotal(10);
            rs.advance(3);
            rs.advance(0);
            rs.setMessage("copying a.txt");
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(3, 10, "copying a.txt"));
            rs.setDone(7);
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(7, 10, "copying a.txt"));
            rs.advance(3);
            assertThat(rs.progress().done()).isEqualTo(10);
            rs.setDone(2); // the count may go back
            rs.setMessage("");
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(2, 10, ""));
        }

        @Test
        void anUnknownTotalCountsWithoutABound() {
            rs.advance(Long.MAX_VALUE - 1);
            rs.advance(1);
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(Long.MAX_VALUE, 0, ""));
            rs.setDone(5);
            rs.setTotal(5);
            rs.setTotal(0); // unknown again
            rs.advance(100);
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(105, 0, ""));
        }

        @Test
        void aTotalMayBeRaisedOrLoweredDownToTheDoneCount() {
            rs.setTotal(10);
            rs.advance(4);
            rs.setTotal(4);
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(4, 4, ""));
            rs.setTotal(1000);
            rs.setTotal(1000);
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(4, 1000, ""));
        }

        @Test
        void badValuesAreRejectedAndChangeNothing() {
            rs.setTotal(10);
            rs.advance(6);
            rs.setMessage("half");
            RunState.Progress before = rs.progress();
            assertThatThrownBy(() -> rs.setTotal(-1)).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage("setTotal(-1) on " + rs + ": negative total");
            assertThatThrownBy(() -> rs.setTotal(5)).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage("setTotal(5) on " + rs + ": below the done count 6");
            assertThatThrownBy(() -> rs.advance(-1)).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage("advance(-1) on " + rs + ": negative count");
            assertThatThrownBy(() -> rs.advance(5)).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage("advance(5) on " + rs + ": the done count would be 11, above the total 10");
            assertThatThrownBy(() -> rs.setDone(-2)).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage("setDone(-2) on " + rs + ": negative count");
            assertThatThrownBy(() -> rs.setDone(11)).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage("setDone(11) on " + rs + ": above the total 10");
            assertThatThrownBy(() -> rs.setMessage(null)).isInstanceOf(NullPointerException.class).hasMessage("message");
            assertThat(rs.progress()).isEqualTo(before);
        }

        @Test
        void anOverflowingAdvanceIsRejected() {
            rs.advance(Long.MAX_VALUE);
            assertThatThrownBy(() -> rs.advance(1)).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage("advance(1) on " + rs + ": the done count " + Long.MAX_VALUE + " would overflow");
            assertThat(rs.progress().done()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void progressIsKeptAcrossStopAndStart() {
            rs.start();
            rs.setTotal(3);
            rs.advance(2);
            rs.stop();
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(2, 3, ""));
            rs.start();
            assertThat(rs.progress()).isEqualTo(new RunState.Progress(2, 3, ""));
        }

        @Test
        void theProgressRecordWantsAMessage() {
            assertThatThrownBy(() -> new RunState.Progress(0, 0, null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("message");
        }

        @Test
        void etaIsTheTimeLeftAtTheRateSinceTheStart() {
            rs.start();
            rs.setTotal(100);
            rs.advance(25);
            clock.advance(Duration.ofSeconds(10));
            assertThat(rs.eta()).contains(Duration.ofSeconds(30));
            rs.advance(25);
            assertThat(rs.eta()).contains(Duration.ofSeconds(10));
            rs.advance(50);
            assertThat(rs.eta()).contains(Duration.ZERO);
        }

        @Test
        void etaCountsOnlyWhatWasDoneSinceTheStart() {
            rs.setTotal(100);
            rs.setDone(50); // done before this run, e.g. from a checkpoint
            rs.start();
            rs.advance(10);
            clock.advance(Duration.ofSeconds(10));
            assertThat(rs.eta()).contains(Duration.ofSeconds(40));
        }

        @Test
        void etaIsEmptyWhileTheTotalOrTheRateIsUnknown() {
            rs.setTotal(10);
            rs.advance(1);
            clock.advance(Duration.ofSeconds(1));
            assertThat(rs.eta()).as("never started").isEmpty();
            rs.start();
            assertThat(rs.eta()).as("nothing done since the start").isEmpty();
            rs.advance(1);
            assertThat(rs.eta()).as("no time passed since the start").isEmpty();
            clock.advance(Duration.ofSeconds(1));
            assertThat(rs.eta()).contains(Duration.ofSeconds(8));
            rs.setTotal(0);
            assertThat(rs.eta()).as("total unknown").isEmpty();
            rs.setTotal(10);
            rs.stop();
            assertThat(rs.eta()).as("not running").isEmpty();
        }

        @Test
        void etaIsZeroOnceDoneEvenWithoutARate() {
            rs.start();
            rs.setTotal(5);
            rs.setDone(5);
            assertThat(rs.eta()).contains(Duration.ZERO);
        }
    }

    @Nested
    class Pausing {

        @Test
        void aPausedRunStateIsStillRunning() {
            rs.start();
            rs.pause();
            assertFlags(rs, "PAUSED");
            assertThat(rs.isPaused()).isTrue();
            assertThat(rs.toString()).contains("PAUSED");
            rs.pause(); // again: nothing changes
            assertThat(rs.state()).isEqualTo(RunState.State.PAUSED);
            rs.resume();
            assertFlags(rs, "RUNNING");
            assertThat(rs.isPaused()).isFalse();
        }

        @Test
        void onlyARunningRunStateMayBePaused() {
            assertThatThrownBy(rs::pause).isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessage("pause() of " + rs + ": it is not running");
            assertThat(rs.state()).isEqualTo(RunState.State.PENDING);
            rs.start();
            rs.cancel();
            rs.pause(); // running but cancelled: a cancel wins, nothing changes
            assertThat(rs.state()).isEqualTo(RunState.State.STOPPING);
            assertThat(rs.isPaused()).isFalse();
            rs.stop();
            assertThatThrownBy(rs::pause).isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessage("pause() of " + rs + ": it is not running");
            assertThat(rs.isPaused()).isFalse();
        }

        @Test
        void resumeWhenNotPausedDoesNothing() {
            rs.resume();
            assertThat(rs.state()).isEqualTo(RunState.State.PENDING);
            rs.start();
            rs.resume();
            assertThat(rs.state()).isEqualTo(RunState.State.RUNNING);
        }

        @Test
        void aCancelClearsThePause() {
            recordEvents(rs);
            rs.start();
            rs.pause();
            rs.cancel();
            assertFlags(rs, "STOPPING");
            assertThat(rs.isPaused()).isFalse();
            assertThat(events).containsExactly("start", "cancel");
        }

        @Test
        void aStopClearsThePause() {
            rs.start();
            rs.pause();
            rs.stop();
            assertFlags(rs, "STOPPED");
            assertThat(rs.isPaused()).isFalse();
            rs.start();
            assertThat(rs.state()).as("a new run is not paused").isEqualTo(RunState.State.RUNNING);
        }

        @Test
        void startOfAPausedRunStateKeepsThePause() {
            rs.start();
            rs.pause();
            rs.start();
            assertThat(rs.state()).isEqualTo(RunState.State.PAUSED);
        }

        @Test
        void waitWhilePausedReturnsAtOnceWhenNotPausedEvenIfInterrupted() throws InterruptedException {
            rs.waitWhilePaused();
            rs.start();
            Thread.currentThread().interrupt();
            try {
                rs.waitWhilePaused();
                assertThat(Thread.currentThread().isInterrupted()).as("flag left as it was").isTrue();
            } finally {
                Thread.interrupted();
            }
        }

        @ParameterizedTest(name = "waitWhilePaused{0}")
        @CsvSource({"WaitsUntilResume, resume, RUNNING", "EndsOnCancel, cancel, STOPPING", "EndsOnStop, stop, STOPPED"})
        void waitWhilePausedEnds(String name, String step, RunState.State after) throws Exception {
            rs.start();
            rs.pause();
            Worker<RunState.State> waiter = new Worker<>(() -> {
                rs.waitWhilePaused();
                return rs.state();
            }).awaitWaiting();
            assertThat(waiter.result).isNotDone();
            play(step);
            assertThat(waiter.get()).isEqualTo(after);
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({"sleepWaitsOutAPauseFirst, PT0S, resume, true", "aCancelDuringThePauseOfASleepEndsIt, PT30S, cancel, false"})
        void aSleepWaitsOutAPause(String name, Duration duration, String step, boolean wholeTime) throws Exception {
            rs.start();
            rs.pause();
            Worker<Boolean> sleeper = new Worker<>(() -> rs.sleep(duration)).awaitWaiting();
            assertThat(sleeper.result).isNotDone();
            play(step);
            assertThat(sleeper.get()).isEqualTo(wholeTime);
        }

        @Test
        void raiseIfCancelledWaitsOutAPauseFirst() throws Exception {
            for (String[] step : new String[][] {{"cancel", "cancelled"}, {"resume", "not cancelled"}}) {
                rs.start(); // clears the cancel of the first round
                rs.pause();
                Worker<String> checker = new Worker<>(() -> {
                    try {
                        rs.raiseIfCancelled();
                        return "not cancelled";
                    } catch (CancellationException e) {
                        return "cancelled";
                    }
                }).awaitWaiting();
                assertThat(checker.result).isNotDone();
                play(step[0]);
                assertThat(checker.get()).isEqualTo(step[1]);
            }
        }

        /**
         * An interrupt ends a wait: sleep and waitWhilePaused throw InterruptedException and clear
         * the flag; raiseIfCancelled cannot throw it, so it stops waiting out the pause and sets the
         * flag again.
         */
        @ParameterizedTest(name = "{0}")
        @CsvSource({
            "sleepThrowsInterruptedExceptionWhenInterruptedMidSleep, sleep, false",
            "waitWhilePausedThrowsWhenInterrupted, waitWhilePaused, false",
            "anInterruptEndsTheWaitOfRaiseIfCancelledWithTheFlagSet, raiseIfCancelled, true"})
        void anInterruptEndsAWait(String name, String wait, boolean flagAfter) throws Exception {
            boolean paused = !wait.equals("sleep");
            if (paused) {
                rs.start();
                rs.pause();
            }
            Worker<Boolean> waiter = new Worker<>(() -> {
                try {
                    switch (wait) {
                        case "sleep" -> rs.sleep(Duration.ofSeconds(30));
                        case "waitWhilePaused" -> rs.waitWhilePaused();
                        default -> rs.raiseIfCancelled();
                    }
                    assertThat(wait).as("returns normally").isEqualTo("raiseIfCancelled");
                } catch (InterruptedException e) {
                    assertThat(wait).as("throws InterruptedException").isNotEqualTo("raiseIfCancelled");
                }
                return Thread.currentThread().isInterrupted();
            }).awaitWaiting();
            waiter.thread.interrupt();
            assertThat(waiter.get()).as("interrupt flag after the wait").isEqualTo(flagAfter);
            assertThat(rs.isPaused()).isEqualTo(paused);
            assertThat(rs.isCancelled()).isFalse();
        }
    }

    @Nested
    class ParentAndChildren {

        private final RunState parent = rs;

        @Test
        void aChildKnowsItsParentAndIsListedUntilItEnds() {
            RunState child = parent.child("part-1");
            assertThat(child.name()).isEqualTo("part-1");
            assertThat(child.state()).isEqualTo(RunState.State.PENDING);
            assertThat(child.parent()).containsSame(parent);
            assertThat(parent.parent()).isEmpty();
            assertThat(parent.children()).containsExactly(child);
            RunState other = parent.child(null);
            assertThat(other.name()).isEqualTo("RunState-" + other.id());
            assertThat(parent.children()).containsExactly(child, other);
            child.start();
            assertThat(parent.children()).containsExactly(child, other);
            child.stop();
            assertThat(parent.children()).containsExactly(other);
            assertThat(child.parent()).as("the parent is still reachable").containsSame(parent);
            assertThat(child.children()).isEmpty();
        }

        @Test
        void aChildUsesItsParentsClock() {
            RunState child = parent.child("c").start();
            assertThat(child.startTime()).contains(T0);
        }

        @Test
        void cancellingAParentCancelsItsLiveChildrenAndTheirChildren() {
            List<String> calls = new CopyOnWriteArrayList<>();
            parent.start();
            RunState running = parent.child("running").start();
            RunState pending = parent.child("pending");
            RunState grandchild = running.child("grandchild").start();
            RunState ended = parent.child("ended");
            ended.run(() -> { });
            running.onCancel(r -> calls.add("running"));
            grandchild.onCancel(r -> calls.add("grandchild"));
            parent.onCancel(r -> calls.add("parent"));

            parent.cancel();
            assertThat(running.state()).isEqualTo(RunState.State.STOPPING);
            assertThat(pending.isCancelled()).isTrue();
            assertThat(pending.state()).isEqualTo(RunState.State.PENDING);
            assertThat(grandchild.state()).isEqualTo(RunState.State.STOPPING);
            assertThat(ended.state()).as("ended before the cancel").isEqualTo(RunState.State.STOPPED);
            assertThat(calls).as("children first, then the parent's listeners")
                    .containsExactly("grandchild", "running", "parent");
        }

        @Test
        void aChildsCancelDoesNotCancelItsParentOrSiblings() {
            parent.start();
            RunState a = parent.child("a").start();
            RunState b = parent.child("b").start();
            a.cancel();
            assertThat(parent.isCancelled()).isFalse();
            assertThat(b.isCancelled()).isFalse();
        }

        @Test
        void aChildOfACancelledParentStartsCancelledAndItsRunDoesNotRunTheBody() {
            parent.cancel();
            RunState child = parent.child("late");
            assertThat(child.isCancelled()).isTrue();
            assertRunSkipsItsBody(child);
        }

        @Test
        void startOfAChildClearsItsOwnCancelOnlyWhileTheParentIsNotCancelled() {
            RunState child = parent.child("c");
            parent.cancel();
            child.start();
            assertThat(child.state()).as("the parent's cancel holds").isEqualTo(RunState.State.STOPPING);
            child.stop();
            parent.start(); // clears the parent's cancel, not the child's
            assertThat(child.isCancelled()).isTrue();
            child.start();
            assertThat(child.state()).isEqualTo(RunState.State.RUNNING);
            child.cancel();
            child.start();
            assertThat(child.state()).as("its own cancel is cleared as usual").isEqualTo(RunState.State.RUNNING);
        }

        @Test
        void anEndedChildIsNotCancelledByItsParentUntilItStartsAgain() {
            RunState child = parent.child("again");
            child.run(() -> { });
            parent.cancel();
            assertThat(child.state()).isEqualTo(RunState.State.STOPPED);
            assertThat(parent.children()).isEmpty();
            child.start();
            assertThat(child.state()).as("restarted under a cancelled parent").isEqualTo(RunState.State.STOPPING);
            assertThat(parent.children()).containsExactly(child);
            parent.start();
            child.start();
            parent.cancel();
            assertThat(child.state()).isEqualTo(RunState.State.STOPPING);
        }

        @Test
        void noRunStateCanBecomeItsOwnAncestor() {
            // Only child() makes a parent link, and only to a RunState it makes itself: nothing in
            // the API takes a RunState to adopt or re-parent.
            for (var constructor : RunState.class.getConstructors()) {
                assertThat(constructor.getParameterTypes()).as(constructor.toString()).doesNotContain(RunState.class);
            }
            for (var method : RunState.class.getMethods()) {
                assertThat(method.getParameterTypes()).as(method.toString()).doesNotContain(RunState.class);
            }
            RunState child = parent.child("c");
            RunState grandchild = child.child("g");
            List<RunState> ancestors = new ArrayList<>();
            for (Optional<RunState> p = grandchild.parent(); p.isPresent(); p = p.get().parent()) {
                ancestors.add(p.get());
            }
            assertThat(ancestors).containsExactly(child, parent);
        }

        @Test
        @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void anEndedChildDoesNotKeepItsParentReachable() throws Exception {
            RunState[] parentBox = {new RunState("dropped parent")};
            RunState child = parentBox[0].child("survivor");
            child.start();
            ReferenceQueue<RunState> queue = new ReferenceQueue<>();
            WeakReference<RunState> ref = new WeakReference<>(parentBox[0], queue);
            parentBox[0] = null;
            child.stop();
            awaitCollected(ref, queue);
            assertThat(child.parent()).isEmpty();
            child.start(); // under no parent now: nothing to attach to
            assertThat(child.state()).isEqualTo(RunState.State.RUNNING);
        }

        @Test
        void aLiveChildKeepsItsParent() {
            RunState child = new RunState("held parent").child("live");
            System.gc();
            assertThat(child.parent()).isPresent();
        }

        @Test
        @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void aParentDoesNotKeepEndedOrDroppedChildrenReachable() throws Exception {
            ReferenceQueue<RunState> queue = new ReferenceQueue<>();
            RunState ended = parent.child("ended");
            ended.run(() -> { });
            WeakReference<RunState> endedRef = new WeakReference<>(ended, queue);
            ended = null;
            awaitCollected(endedRef, queue);
            WeakReference<RunState> pendingRef = new WeakReference<>(parent.child("never run"), queue);
            awaitCollected(pendingRef, queue);
            assertThat(parent.children()).isEmpty();
        }
    }

    @Nested
    class Current {

        @Test
        void emptyOutsideARun() {
            assertThat(RunState.current()).isEmpty();
            rs.start();
            assertThat(RunState.current()).as("start() alone does not make it current").isEmpty();
        }

        @Test
        void theRunningRunStateInsideItsBody() throws Exception {
            AtomicReference<Optional<RunState>> seen = new AtomicReference<>();
            rs.run(() -> seen.set(RunState.current()));
            assertThat(seen.get()).containsSame(rs);
            assertThat(rs.call(RunState::current)).containsSame(rs);
            assertThat(RunState.current()).isEmpty();
        }

        @Test
        void nestedRunsStack() throws Exception {
            RunState inner = new RunState("inner", clock);
            List<Optional<RunState>> seen = new ArrayList<>();
            rs.run(() -> {
                seen.add(RunState.current());
                inner.run(() -> seen.add(RunState.current()));
                seen.add(RunState.current());
            });
            seen.add(RunState.current());
            assertThat(seen).containsExactly(Optional.of(rs), Optional.of(inner), Optional.of(rs), Optional.empty());
        }

        @Test
        void restoredAfterAnException() {
            RunState inner = new RunState("inner", clock);
            AtomicReference<Optional<RunState>> afterInner = new AtomicReference<>();
            assertThatThrownBy(() -> rs.run(() -> {
                try {
                    inner.run(() -> {
                        throw new IllegalStateException("inner failed");
                    });
                } catch (IllegalStateException e) {
                    afterInner.set(RunState.current());
                }
                throw new IllegalArgumentException("outer failed");
            })).hasMessage("outer failed");
            assertThat(afterInner.get()).containsSame(rs);
            assertThat(RunState.current()).isEmpty();
        }

        @Test
        void notSeenByOtherThreadsEvenOnesStartedInsideTheBody() throws Exception {
            AtomicReference<Optional<RunState>> seen = new AtomicReference<>();
            rs.run(() -> {
                Thread t = new Thread(() -> seen.set(RunState.current()));
                t.start();
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(seen.get()).isEmpty();
        }

        @Test
        @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void theThreadKeepsNoReferenceOnceTheRunEnds() throws Exception {
            ReferenceQueue<RunState> queue = new ReferenceQueue<>();
            RunState[] box = {new RunState("forgotten")};
            box[0].run(() -> { });
            WeakReference<RunState> ref = new WeakReference<>(box[0], queue);
            box[0] = null;
            awaitCollected(ref, queue);
        }

        @Test
        void eachVirtualThreadHasItsOwn() throws Exception {
            Method startVirtualThread;
            try {
                startVirtualThread = Thread.class.getMethod("startVirtualThread", Runnable.class);
            } catch (NoSuchMethodException e) {
                Assumptions.abort("no virtual threads before Java 21");
                return;
            }
            int n = 100;
            Map<RunState, Optional<RunState>> seen = new ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            CyclicBarrier together = new CyclicBarrier(n);
            for (int i = 0; i < n; i++) {
                RunState mine = new RunState("virtual-" + i);
                Runnable body = () -> mine.run(() -> {
                    try {
                        together.await(10, TimeUnit.SECONDS); // all bodies run at once, on few carriers
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    seen.put(mine, RunState.current());
                });
                threads.add((Thread) startVirtualThread.invoke(null, body));
            }
            for (Thread t : threads) {
                t.join(10_000);
            }
            assertThat(seen).hasSize(n).allSatisfy((mine, current) -> assertThat(current).containsSame(mine));
        }
    }

    @Nested
    class UntilCancelled {

        /** Counts how many elements were taken from it. */
        private final AtomicInteger taken = new AtomicInteger();

        private Iterable<Integer> counted(int n) {
            return () -> new Iterator<>() {
                int next;

                @Override
                public boolean hasNext() {
                    return next < n;
                }

                @Override
                public Integer next() {
                    taken.incrementAndGet();
                    return next++;
                }
            };
        }

        @Test
        void anIterableStopsOnceCancelledAndTakesNoMore() {
            List<Integer> got = new ArrayList<>();
            for (int i : rs.untilCancelled(counted(10))) {
                got.add(i);
                if (i == 2) {
                    rs.cancel();
                }
            }
            assertThat(got).containsExactly(0, 1, 2);
            assertThat(taken).hasValue(3);
        }

        @Test
        void anIterableGivesEverythingWhenNotCancelled() {
            List<Integer> got = new ArrayList<>();
            rs.untilCancelled(counted(4)).forEach(got::add);
            assertThat(got).containsExactly(0, 1, 2, 3);
        }

        @Test
        void aCancelledRunStateYieldsNothing() {
            rs.cancel();
            Iterator<Integer> it = rs.untilCancelled(counted(3)).iterator();
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isExactlyInstanceOf(NoSuchElementException.class)
                    .hasMessageContaining("indexer");
            assertThat(taken).hasValue(0);
            assertThat(rs.untilCancelled(Stream.of(1, 2))).isEmpty();
        }

        @Test
        void removeGoesToTheSource() {
            List<Integer> list = new ArrayList<>(List.of(1, 2, 3));
            Iterator<Integer> it = rs.untilCancelled(list).iterator();
            it.next();
            it.remove();
            assertThat(list).containsExactly(2, 3);
        }

        @Test
        void aStreamStopsOnceCancelledAndTakesNoMore() {
            List<Integer> got = rs.untilCancelled(Stream.iterate(0, i -> i + 1).peek(i -> taken.incrementAndGet()))
                    .peek(i -> {
                        if (i == 4) {
                            rs.cancel();
                        }
                    })
                    .toList();
            assertThat(got).containsExactly(0, 1, 2, 3, 4);
            assertThat(taken).hasValue(5);
        }

        @Test
        void aParallelStreamStopsToo() {
            rs.cancel();
            assertThat(rs.untilCancelled(IntStream.range(0, 10_000).boxed().parallel()).count()).isZero();
            rs.start();
            assertThat(rs.untilCancelled(IntStream.range(0, 10_000).boxed().parallel()).count()).isEqualTo(10_000);
        }

        @Test
        void closingTheStreamClosesItsSource() {
            AtomicInteger closed = new AtomicInteger();
            try (Stream<Integer> s = rs.untilCancelled(Stream.of(1).onClose(closed::incrementAndGet))) {
                assertThat(s.count()).isEqualTo(1);
            }
            assertThat(closed).hasValue(1);
        }

        @Test
        void theIterationWaitsOutAPause() throws Exception {
            rs.start();
            rs.pause();
            Worker<List<Integer>> loop = new Worker<>(() -> {
                List<Integer> got = new ArrayList<>();
                rs.untilCancelled(counted(2)).forEach(got::add);
                return got;
            }).awaitWaiting();
            assertThat(taken).hasValue(0);
            rs.resume();
            assertThat(loop.get()).containsExactly(0, 1);
        }

        @Test
        void nullItemsAreRejected() {
            assertThatThrownBy(() -> rs.untilCancelled((Iterable<Object>) null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("items");
            assertThatThrownBy(() -> rs.untilCancelled((Stream<Object>) null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("items");
        }
    }

    @Nested
    class CancelPoll {

        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger asked = new AtomicInteger();
        private final RunState polled = new RunState("polled", clock, () -> {
            asked.incrementAndGet();
            return stop.get();
        });

        @Test
        void isCancelledAsksThePollUntilItSaysTrueThenStaysCancelled() {
            AtomicInteger cancels = new AtomicInteger();
            polled.onCancel(r -> cancels.incrementAndGet());
            polled.start();
            assertThat(polled.isCancelled()).isFalse();
            assertThat(polled.isCancelled()).isFalse();
            assertThat(asked).hasValue(2);
            stop.set(true);
            assertThat(polled.isCancelled()).isTrue();
            assertThat(polled.state()).isEqualTo(RunState.State.STOPPING);
            stop.set(false);
            assertThat(polled.isCancelled()).as("it stays cancelled").isTrue();
            assertThat(asked).as("and the poll is not asked again").hasValue(3);
            assertThat(cancels).as("the listeners ran once").hasValue(1);
            polled.start();
            assertThat(polled.isCancelled()).as("start() does not clear it").isTrue();
            assertThat(asked).hasValue(3);
        }

        @Test
        void theStateDoesNotAskThePoll() {
            polled.start();
            stop.set(true);
            assertThat(polled.state()).isEqualTo(RunState.State.RUNNING);
            assertThat(polled.isStopping()).isFalse();
            assertThat(asked).hasValue(0);
        }

        @Test
        void theConstructorWithAPollUsesTheSystemClock() {
            RunState r = new RunState("system", () -> false);
            assertThat(r.name()).isEqualTo("system");
            assertThat(r.isCancelled()).isFalse();
            Instant before = Instant.now();
            assertThat(r.start().startTime().orElseThrow()).isAfterOrEqualTo(before.minusSeconds(1));
        }

        @Test
        void runDoesNotRunTheBodyWhenThePollSaysTrue() {
            stop.set(true);
            assertRunSkipsItsBody(polled);
        }

        @Test
        void aThrowingPollReachesTheCallerAndChangesNothing() {
            RunState broken = new RunState("broken", clock, () -> {
                throw new IllegalStateException("poll failed");
            });
            broken.start();
            assertThatThrownBy(broken::isCancelled).isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessage("poll failed");
            assertThat(broken.state()).isEqualTo(RunState.State.RUNNING);
        }

        @Test
        void aNullPollIsRejected() {
            assertThatThrownBy(() -> new RunState("x", (BooleanSupplier) null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("cancelPoll");
        }

        @Test
        void thePollIsAskedOutsideTheMonitor() throws Exception {
            // A poll that needs another thread to get through a synchronized method of the same
            // RunState: it would deadlock if the poll ran holding the monitor.
            RunState[] box = new RunState[1];
            box[0] = new RunState("outside", clock, () -> {
                inAnotherThread(() -> box[0].startTime(), "the poll ran under the RunState's monitor");
                return true;
            });
            box[0].start();
            assertThat(box[0].sleep(Duration.ofSeconds(5))).isFalse();
        }

        @Test
        void aSleepEndsWhenThePollSaysTrue() throws Exception {
            polled.start();
            Worker<Boolean> sleeper = new Worker<>(() -> polled.sleep(Duration.ofSeconds(30))).awaitWaiting();
            stop.set(true);
            assertThat(sleeper.get()).isFalse();
            assertThat(polled.isCancelled()).isTrue();
        }

        @Test
        void aPauseEndsWhenThePollSaysTrue() throws Exception {
            polled.start();
            polled.pause();
            Worker<RunState.State> waiter = new Worker<>(() -> {
                polled.waitWhilePaused();
                return polled.state();
            }).awaitWaiting();
            stop.set(true);
            assertThat(waiter.get()).isEqualTo(RunState.State.STOPPING);
        }

        @Test
        void theChildrenOfAPolledRunStateAskItsPoll() {
            polled.start();
            RunState child = polled.child("child").start();
            RunState grandchild = child.child("grandchild").start();
            assertThat(grandchild.isCancelled()).isFalse();
            stop.set(true);
            assertThat(grandchild.isCancelled()).isTrue();
            assertThat(polled.isCancelled()).isTrue();
            assertThat(child.state()).isEqualTo(RunState.State.STOPPING);
        }
    }

    @Nested
    class Failure {

        @Test
        void emptyBeforeAnyRunAndAfterOneThatReturned() throws Exception {
            assertThat(rs.failure()).isEmpty();
            rs.run(() -> { });
            assertThat(rs.failure()).isEmpty();
            rs.call(() -> "fine");
            assertThat(rs.failure()).isEmpty();
        }

        @Test
        void whatTheBodyThrew() throws Exception {
            List<Arguments> bodies = List.of(Arguments.of("run", new IllegalStateException("boom")),
                    Arguments.of("call", new IOException("disk")), Arguments.of("run", new AssertionError("error")));
            for (Arguments body : bodies) {
                String how = (String) body.get()[0];
                Throwable boom = (Throwable) body.get()[1];
                assertThatThrownBy(() -> runOrCall(rs, how, () -> {
                    throw boom;
                })).isSameAs(boom);
                assertThat(rs.failure()).containsSame(boom);
                rs.start().stop(); // clears the cancel that the failure left, so the next body runs
            }
        }

        @Test
        void forgottenByTheNextRun() {
            assertThatThrownBy(() -> rs.run(() -> {
                throw new IllegalStateException("boom");
            }));
            assertThat(rs.failure()).isPresent();
            rs.start().stop(); // start() and stop() alone leave it (and clear the cancel)
            assertThat(rs.failure()).isPresent();
            rs.run(() -> { });
            assertThat(rs.failure()).isEmpty();
        }

        @Test
        void emptyWhenTheBodyDidNotRun() {
            assertThatThrownBy(() -> rs.run(() -> {
                throw new IllegalStateException("boom");
            }));
            assertThat(rs.isCancelled()).isTrue();
            rs.run(() -> { }); // cancelled: the body does not run
            assertThat(rs.failure()).isEmpty();
        }

        @Test
        void aStartListenerErrorIsNotTheBodysFailure() {
            Error fromListener = new AssertionError("listener");
            rs.onStart(r -> {
                throw fromListener;
            });
            AtomicInteger ran = new AtomicInteger();
            assertThatThrownBy(() -> rs.run(ran::incrementAndGet)).isSameAs(fromListener);
            assertThat(ran).hasValue(0);
            assertThat(rs.failure()).isEmpty();
            assertThat(rs.isRunning()).isFalse();
        }
    }

    @Nested
    class CancelReason {

        @Test
        void theFirstReasonSinceTheLastStartIsKeptUntilAStartClearsTheCancel() {
            assertThat(rs.cancelReason()).isEmpty();
            rs.start();
            rs.cancel("the operator asked");
            rs.cancel("a second reason");
            assertThat(rs.cancelReason()).contains("the operator asked");
            rs.stop();
            assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
            assertThat(rs.cancelReason()).as("kept once ended").contains("the operator asked");
            rs.start();
            assertThat(rs.cancelReason()).as("start() clears the cancel and its reason").isEmpty();
            rs.cancel();
            assertThat(rs.cancelReason()).as("a plain cancel gives none").isEmpty();
            rs.cancel("late");
            assertThat(rs.cancelReason()).as("the first reason given").contains("late");
        }

        @Test
        void aReasonIsACancelLikeAnyOther() {
            recordEvents(rs);
            rs.start();
            rs.cancel("why");
            assertFlags(rs, "STOPPING");
            assertThat(events).containsExactly("start", "cancel");
            rs.cancel((String) null);
            assertThat(events).containsExactly("start", "cancel", "cancel");
            assertThat(rs.cancelReason()).contains("why");
        }

        @Test
        void aParentHandsItsReasonToItsChildren() {
            RunState child = rs.child("child").start();
            RunState grandchild = child.child("grandchild");
            RunState ended = rs.child("ended");
            ended.run(() -> { });
            rs.cancel("bundle x stopped");
            assertThat(child.cancelReason()).contains("bundle x stopped");
            assertThat(grandchild.cancelReason()).contains("bundle x stopped");
            assertThat(ended.cancelReason()).as("not cancelled").isEmpty();
        }

        @Test
        void aStartUnderACancelledParentKeepsTheCancelAndItsReason() {
            RunState child = rs.child("child").start();
            rs.cancel("parent stops");
            child.stop();
            child.start();
            assertThat(child.state()).isEqualTo(RunState.State.STOPPING);
            assertThat(child.cancelReason()).contains("parent stops");
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
