package cs.resources.benchmarks;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The limits: the cheapest JDK operations that do what a primitive's fast path must do. Every
 * subject reaches its shared object through one reference, as a caller holding a pool, a MultiOpen
 * or a RunState does, so the baselines do too.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public abstract class Baselines {

    static final Clock CLOCK = Clock.systemUTC();

    /** One shared counter, as a MultiOpen's open count or a pool's stack top is shared. */
    @State(Scope.Benchmark)
    public static class Counter {
        final AtomicInteger count = new AtomicInteger(1);
    }

    /** The field a poller reads, and one a task writes. */
    public static final class Holder {
        volatile boolean cancelled;
        volatile long written;
        long next;
    }

    @State(Scope.Benchmark)
    public static class Flag {
        final Holder holder = new Holder();
    }

    /** Increment and decrement of a shared AtomicInteger: the least an open+close or a lease+return can cost. */
    @Benchmark
    public int atomicPair(Counter state) {
        state.count.incrementAndGet();
        return state.count.decrementAndGet();
    }

    /**
     * The same pair as compare-and-set loops (read, then swap if unchanged), the shape of a count
     * that must refuse some values, as MultiOpen's close refuses to reach 0 without its lock. For
     * the record: it shows what a fast path of two compare-and-sets costs at least; the targets
     * are stated against {@link #atomicPair}.
     */
    @Benchmark
    public int casPair(Counter state) {
        AtomicInteger count = state.count;
        int c;
        do {
            c = count.get();
        } while (!count.compareAndSet(c, c + 1));
        do {
            c = count.get();
        } while (!count.compareAndSet(c, c - 1));
        return c - 1;
    }

    /** One volatile read: what RunState.isCancelled() promises. */
    @Benchmark
    public boolean volatileRead(Flag state) {
        return state.holder.cancelled;
    }

    /** One volatile write (of a value counted in a plain field): what RunState.advance(1) is held to. */
    @Benchmark
    public void volatileWrite(Flag state) {
        Holder h = state.holder;
        h.written = h.next++;
    }

    @Threads(1)
    public static class T1 extends Baselines {
        /** The clock read that Stormpot's expiration check and commons-pool2's bookkeeping pay, for the record. */
        @Benchmark
        public long nanoTime() {
            return System.nanoTime();
        }

        /** The clock read of RunState's start and stop times ({@code Clock.systemUTC()}), for the record. */
        @Benchmark
        public Instant instantNow() {
            return CLOCK.instant();
        }
    }

    @Threads(2)
    public static class T2 extends Baselines {
    }
}
