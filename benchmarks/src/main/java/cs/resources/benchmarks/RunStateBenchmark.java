package cs.resources.benchmarks;

import cs.resources.RunState;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code isCancelled()}, which workers poll in tight loops, against a plain volatile read
 * ({@link Baselines#volatileRead}); {@code advance(1)}, which a task may call for every item,
 * against a volatile write ({@link Baselines#volatileWrite}); and, with one thread,
 * {@code start()} then {@code stop()} (each reads the clock) and {@code isCancelled()} of a
 * RunState with a cancel poll, for the record.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public abstract class RunStateBenchmark {

    @State(Scope.Benchmark)
    public static class Running {
        final RunState runState = new RunState("polled");

        @Setup
        public void setUp() {
            runState.start();
        }

        @TearDown
        public void tearDown() {
            runState.stop();
        }
    }

    /** A running RunState with a known total, its progress made by a first call. */
    @State(Scope.Benchmark)
    public static class Progressing {
        final RunState runState = new RunState("progressing");

        @Setup
        public void setUp() {
            runState.start();
            runState.setTotal(Long.MAX_VALUE); // a known total: advance checks against it
        }

        @TearDown
        public void tearDown() {
            runState.stop();
        }
    }

    /** A running RunState with a cancel poll that always says no. */
    @State(Scope.Benchmark)
    public static class Polled {
        final RunState runState = new RunState("polled", () -> false);

        @Setup
        public void setUp() {
            runState.start();
        }
    }

    @State(Scope.Thread)
    public static class Idle {
        final RunState runState = new RunState("cycled");
    }

    @Benchmark
    public boolean isCancelled(Running state) {
        return state.runState.isCancelled();
    }

    @Benchmark
    public void advance(Progressing state) {
        state.runState.advance(1);
    }

    @Threads(1)
    public static class T1 extends RunStateBenchmark {
        @Benchmark
        public void startStop(Idle state) {
            state.runState.start();
            state.runState.stop();
        }

        @Benchmark
        public boolean isCancelledPolled(Polled state) {
            return state.runState.isCancelled();
        }
    }

    @Threads(2)
    public static class T2 extends RunStateBenchmark {
    }
}
