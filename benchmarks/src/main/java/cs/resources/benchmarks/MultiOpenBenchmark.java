package cs.resources.benchmarks;

import cs.resources.AbstractMultiOpen;
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
 * {@code open()} then {@code close()} of something another holder keeps open (the common path:
 * a count change, no startup, no shutdown), the same through a handle ({@code acquire()}), against
 * the Python library's design, a counter under one lock; and, with one thread, a whole cycle
 * (first open runs startup, last close shutdown).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public abstract class MultiOpenBenchmark {

    /** Startup and shutdown do nothing: what is measured is the counting. */
    static final class Resource extends AbstractMultiOpen {
    }

    /** The Python library's MultiOpenMixin: one lock around the count. */
    static final class SynchronizedCounter {
        /** Guarded by this. */
        private int count;

        synchronized void open() {
            if (count++ == 0) {
                startup();
            }
        }

        synchronized void close() {
            if (--count == 0) {
                shutdown();
            }
        }

        private void startup() {
        }

        private void shutdown() {
        }
    }

    /** Held open by the state itself for the whole trial. */
    @State(Scope.Benchmark)
    public static class Open {
        final Resource resource = new Resource();

        @Setup
        public void setUp() {
            resource.open();
        }

        @TearDown
        public void tearDown() {
            resource.close();
        }
    }

    @State(Scope.Benchmark)
    public static class OpenSynchronized {
        final SynchronizedCounter counter = new SynchronizedCounter();

        @Setup
        public void setUp() {
            counter.open();
        }

        @TearDown
        public void tearDown() {
            counter.close();
        }
    }

    @State(Scope.Thread)
    public static class Closed {
        final Resource resource = new Resource();
    }

    @Benchmark
    public void openClose(Open state) {
        state.resource.open();
        state.resource.close();
    }

    /** The handle form: {@code acquire()} and the handle's {@code close()} (the handle must not escape). */
    @Benchmark
    public void acquireClose(Open state) {
        state.resource.acquire().close();
    }

    /** The handle form in try-with-resources, as users write it. */
    @Benchmark
    public void acquireTryWithResources(Open state) {
        try (var h = state.resource.acquire()) {
            if (h.isClosed()) {
                throw new AssertionError();
            }
        }
    }

    @Benchmark
    public void synchronizedCounter(OpenSynchronized state) {
        state.counter.open();
        state.counter.close();
    }

    @Threads(1)
    public static class T1 extends MultiOpenBenchmark {
        /** First open (startup) and last close (shutdown), for the record. */
        @Benchmark
        public void fullCycle(Closed state) {
            state.resource.open();
            state.resource.close();
        }
    }

    @Threads(2)
    public static class T2 extends MultiOpenBenchmark {
    }
}
