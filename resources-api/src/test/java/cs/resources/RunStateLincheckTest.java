package cs.resources;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linearizability of {@link RunState}, checked by Lincheck against plain sequential models: the
 * state machine of one RunState ({@link Spec}: start, stop, cancel, pause, resume and the queries)
 * and its progress ({@link ProgressSpec}: advance, setDone, setTotal and the snapshot, with their
 * refusals). Every history of concurrent calls must be explainable by running the calls one at a
 * time, each at some instant between its start and its return.
 *
 * <p>A refused call is a result like any other: {@code pause()} of a RunState that is not running
 * returns {@link #REFUSED} here (it threw {@code IllegalStateException}), and so
 * does a progress call that threw {@code IllegalArgumentException}; the model predicts exactly
 * when. The progress test matters most: the done count and the total live in two places (a count
 * moved by compare-and-set, the total in an immutable cell that {@code setTotal} replaces), and a
 * snapshot must never pair a count with a total it was not checked against.
 *
 * <p>Left out on purpose: listeners (they run after the change, outside the lock, so they are not
 * part of the atomic step); the cancel poll (user code); waits; and parent/child cancellation, which
 * is propagated: {@code cancel()} of a parent returns once its children are cancelled, but in
 * between another thread may see the parent cancelled and a child not yet, which no sequential
 * order explains. Its guarantees are checked by {@code RunStateConcurrencyTest} instead. The clock
 * is fixed, so that the model checker sees no time.
 */
@Timeout(value = 1, unit = TimeUnit.HOURS) // LincheckMode's budget is the real limit
class RunStateLincheckTest {

    private static final LincheckMode MODE = LincheckMode.current();

    /** What an operation returns when RunState refused it with an exception. */
    static final String REFUSED = "refused";
    static final String OK = "ok";

    @Test
    void modelCheckingTheStateMachine() {
        MODE.check(MODE.modelChecking()
                .threads(3).actorsPerThread(2).actorsBefore(2).actorsAfter(2)
                .sequentialSpecification(Spec.class), StateMachine.class);
    }

    @Test
    void stressTheStateMachine() {
        MODE.check(MODE.stress()
                .threads(2).actorsPerThread(3).actorsBefore(2).actorsAfter(2)
                .sequentialSpecification(Spec.class), StateMachine.class);
    }

    @Test
    void modelCheckingProgress() {
        MODE.check(MODE.modelChecking()
                .threads(3).actorsPerThread(2).actorsBefore(2).actorsAfter(2)
                .sequentialSpecification(ProgressSpec.class), Progressing.class);
    }

    @Test
    void stressProgress() {
        MODE.check(MODE.stress()
                .threads(2).actorsPerThread(3).actorsBefore(2).actorsAfter(2)
                .sequentialSpecification(ProgressSpec.class), Progressing.class);
    }

    static Clock fixedClock() {
        return Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
    }

    // ------------------------------------------------------------------------ state machine

    /** The Lincheck test class: one RunState. */
    public static class StateMachine {
        private final RunState rs = new RunState("lincheck", fixedClock());

        @Operation
        public void start() {
            rs.start();
        }

        @Operation
        public void setRunning() {
            rs.setRunning(true);
        }

        @Operation
        public void stop() {
            rs.stop();
        }

        @Operation
        public void cancel() {
            rs.cancel();
        }

        @Operation
        public String pause() {
            try {
                rs.pause();
                return OK;
            } catch (IllegalStateException e) {
                return REFUSED;
            }
        }

        @Operation
        public void resume() {
            rs.resume();
        }

        @Operation
        public RunState.State state() {
            return rs.state();
        }

        @Operation
        public boolean isCancelled() {
            return rs.isCancelled();
        }

        @Operation
        public boolean isPaused() {
            return rs.isPaused();
        }

        @Operation
        public boolean isRunning() {
            return rs.isRunning();
        }
    }

    /** What RunState promises, one call at a time. */
    public static class Spec {
        private boolean started;
        private boolean running;
        private boolean cancelled;
        private boolean paused;

        public void start() {
            started = true;
            running = true;
            cancelled = false;
        }

        public void setRunning() {
            started = true;
            running = true;
        }

        public void stop() {
            running = false;
            paused = false;
        }

        public void cancel() {
            cancelled = true;
            paused = false;
        }

        public String pause() {
            if (!running) {
                return REFUSED;
            }
            if (!cancelled) {
                paused = true;
            }
            return OK;
        }

        public void resume() {
            paused = false;
        }

        public RunState.State state() {
            if (!started) {
                return RunState.State.PENDING;
            }
            if (running) {
                return cancelled ? RunState.State.STOPPING : paused ? RunState.State.PAUSED : RunState.State.RUNNING;
            }
            return cancelled ? RunState.State.CANCELLED : RunState.State.STOPPED;
        }

        public boolean isCancelled() {
            return cancelled;
        }

        public boolean isPaused() {
            return paused;
        }

        public boolean isRunning() {
            return running;
        }

        private int bits() {
            return (started ? 1 : 0) | (running ? 2 : 0) | (cancelled ? 4 : 0) | (paused ? 8 : 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Spec s && s.bits() == bits();
        }

        @Override
        public int hashCode() {
            return bits();
        }
    }

    // ------------------------------------------------------------------------------ progress

    /**
     * The Lincheck test class: the progress of one RunState, with small numbers so that refusals
     * (a count above the total, a total below the count) happen often.
     */
    @Param(name = "n", gen = IntGen.class, conf = "0:3")
    @Param(name = "value", gen = IntGen.class, conf = "0:6")
    public static class Progressing {
        private final RunState rs = new RunState("lincheck", fixedClock());

        @Operation
        public String advance(@Param(name = "n") int n) {
            try {
                rs.advance(n);
                return OK;
            } catch (IllegalArgumentException e) {
                return REFUSED;
            }
        }

        @Operation
        public String setDone(@Param(name = "value") int done) {
            try {
                rs.setDone(done);
                return OK;
            } catch (IllegalArgumentException e) {
                return REFUSED;
            }
        }

        @Operation
        public String setTotal(@Param(name = "value") int total) {
            try {
                rs.setTotal(total);
                return OK;
            } catch (IllegalArgumentException e) {
                return REFUSED;
            }
        }

        @Operation
        public RunState.Progress progress() {
            return rs.progress();
        }
    }

    /** What the progress calls promise, one at a time. */
    public static class ProgressSpec {
        private long done;
        private long total;

        public String advance(int n) {
            if (total != 0 && done + n > total) {
                return REFUSED;
            }
            done += n;
            return OK;
        }

        public String setDone(int d) {
            if (total != 0 && d > total) {
                return REFUSED;
            }
            done = d;
            return OK;
        }

        public String setTotal(int t) {
            if (t != 0 && done > t) {
                return REFUSED;
            }
            total = t;
            return OK;
        }

        public RunState.Progress progress() {
            return new RunState.Progress(done, total, "");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ProgressSpec s && s.done == done && s.total == total;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(done * 31 + total);
        }
    }
}
