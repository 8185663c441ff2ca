package cs.resources.benchmarks;

import cs.resources.MultiOpen;
import cs.resources.benchmarks.fixture.Adder;
import cs.resources.osgi.MultiOpenServices;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.osgi.framework.Bundle;

/**
 * What a consumer pays for its view of a shared MultiOpen, in a running Felix
 * ({@link RunningFramework}): the fixture bundle's delayed component, shared by the cs.resources
 * runtime, and a consumer bundle's view of it, against the same operations on the shared object
 * itself. Each pair is measured in one run, so their difference is the view's cost: a call
 * without arguments ({@code value()}), a call with two {@code long}s ({@code add}), {@code open()}
 * + {@code close()}, and {@code acquire()} + the handle's {@code close()}. The state holds the
 * shared object open through the view for the whole trial, so the opens measured are the common
 * path (no startup, no shutdown).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public abstract class ViewBenchmark {

    /** Felix with SCR, the runtime, the fixture, and a consumer bundle's view of the fixture's service. */
    @State(Scope.Benchmark)
    public static class InFelix {
        RunningFramework felix;
        /** What the consumer bundle got: its view. */
        Adder view;
        /** The shared object the view forwards to. */
        Adder object;
        /** Arguments the JIT cannot fold. */
        long a = 20;
        long b = 22;

        @Setup(Level.Trial)
        public void start() throws Exception {
            felix = RunningFramework.builder()
                    .share("benchmarks-fixture")
                    .install("resources-impl")
                    .install("benchmarks-fixture")
                    .start();
            Bundle consumer = felix.installConsumer("cs.resources.benchmarks.consumer",
                    "cs.resources", "cs.resources.benchmarks.fixture");
            view = felix.service(consumer, Adder.class, "(cs.resources.benchmarks=adder)");
            object = shared();
            if (view == object) {
                throw new IllegalStateException("the consumer got the shared object itself, not a view");
            }
            view.open();
        }

        /** @return the shared object of the view's publication */
        private static Adder shared() {
            for (MultiOpenServices.Published p : MultiOpenServices.published()) {
                if (p.interfaces().contains(Adder.class.getName())) {
                    MultiOpen shared = p.shared().orElseThrow(() -> new IllegalStateException("no shared object yet"));
                    return (Adder) shared;
                }
            }
            throw new IllegalStateException("no publication of " + Adder.class.getName() + " with views");
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            try {
                view.close();
            } finally {
                felix.close();
            }
        }
    }

    @Benchmark
    public int objectValue(InFelix s) {
        return s.object.value();
    }

    @Benchmark
    public int viewValue(InFelix s) {
        return s.view.value();
    }

    @Benchmark
    public long objectAdd(InFelix s) {
        return s.object.add(s.a, s.b);
    }

    @Benchmark
    public long viewAdd(InFelix s) {
        return s.view.add(s.a, s.b);
    }

    @Benchmark
    public void objectOpenClose(InFelix s) {
        s.object.open();
        s.object.close();
    }

    @Benchmark
    public void viewOpenClose(InFelix s) {
        s.view.open();
        s.view.close();
    }

    @Benchmark
    public void objectAcquireClose(InFelix s) {
        s.object.acquire().close();
    }

    @Benchmark
    public void viewAcquireClose(InFelix s) {
        s.view.acquire().close();
    }

    @Threads(1)
    public static class T1 extends ViewBenchmark {
    }

    @Threads(2)
    public static class T2 extends ViewBenchmark {
    }
}
