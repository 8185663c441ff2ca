package cs.resources.benchmarks;

import cs.resources.Pool;
import java.time.Duration;
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
import org.openjdk.jmh.infra.Blackhole;
import stormpot.Allocator;
import stormpot.Expiration;
import stormpot.Pooled;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * A pool at its cap: 4 threads share 2 objects, each holding its lease for about a microsecond
 * ({@link #HOLD} tokens of {@link Blackhole#consumeCPU}), so that borrowers wait for each other
 * all the time. Sample mode: the score is the mean time of one lease + hold + return (the lower,
 * the more leases per second), and the 99th percentile is the tail a borrower sees. Against
 * Stormpot with size 2 (no expiration, so that neither pays a clock read) and HikariCP's
 * ConcurrentBag with 2 entries. A borrower that times out (10 s) tries again: the measured time is
 * how long it took to get an object. (Stormpot's claim can time out here: a thread that releases
 * an object claims it again through its thread-local slot ahead of the threads waiting in the
 * queue.)
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Threads(4)
public class PoolContendedBenchmark {

    static final int OBJECTS = 2;
    /** About a microsecond of work on this machine (consumeCPU costs a few ns a token). */
    static final long HOLD = 250;

    @State(Scope.Benchmark)
    public static class CsPool {
        Pool<Object> pool;

        @Setup
        public void setUp() {
            pool = Pool.builder(Object::new).maxTotal(OBJECTS).maxWait(Duration.ofSeconds(10)).build();
        }

        @TearDown
        public void tearDown() {
            pool.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Stormpot {
        stormpot.Pool<Pooled<Object>> pool;
        final Timeout timeout = new Timeout(10, TimeUnit.SECONDS);

        @Setup
        public void setUp() throws InterruptedException {
            pool = stormpot.Pool.from(new Allocator<Pooled<Object>>() {
                @Override
                public Pooled<Object> allocate(Slot slot) {
                    return new Pooled<>(slot, new Object());
                }

                @Override
                public void deallocate(Pooled<Object> poolable) {
                }
            }).setSize(OBJECTS).setExpiration(Expiration.never()).build();
            pool.claim(timeout).release();
        }

        @TearDown
        public void tearDown() throws InterruptedException {
            pool.shutdown().await(timeout);
        }
    }

    /** The same with {@code fair(false)}: a newcomer takes an idle object at once, even when others wait. */
    @State(Scope.Benchmark)
    public static class CsPoolUnfair {
        Pool<Object> pool;

        @Setup
        public void setUp() {
            pool = Pool.builder(Object::new).maxTotal(OBJECTS).maxWait(Duration.ofSeconds(10)).fair(false).build();
        }

        @TearDown
        public void tearDown() {
            pool.close();
        }
    }

    @State(Scope.Benchmark)
    public static class HikariBag extends PoolBenchmark.HikariBag {
        @Override
        int entries() {
            return OBJECTS;
        }
    }

    @Benchmark
    public Object csPool(CsPool state) {
        try (Pool.Lease<Object> lease = state.pool.instance()) {
            Blackhole.consumeCPU(HOLD);
            return lease.get();
        }
    }

    @Benchmark
    public Object csPoolUnfair(CsPoolUnfair state) {
        try (Pool.Lease<Object> lease = state.pool.instance()) {
            Blackhole.consumeCPU(HOLD);
            return lease.get();
        }
    }

    @Benchmark
    public Object stormpot(Stormpot state) throws InterruptedException {
        Pooled<Object> pooled;
        while ((pooled = state.pool.claim(state.timeout)) == null) {
            // Timed out: Stormpot's thread-local claims can keep a borrower out that long; try again.
        }
        try {
            Blackhole.consumeCPU(HOLD);
            return pooled.object;
        } finally {
            pooled.release();
        }
    }

    @Benchmark
    public Object hikariBag(HikariBag state) throws InterruptedException {
        PoolBenchmark.BagEntry entry;
        while ((entry = state.bag.borrow(10, TimeUnit.SECONDS)) == null) {
            // Timed out; try again.
        }
        try {
            Blackhole.consumeCPU(HOLD);
            return entry.object;
        } finally {
            state.bag.requite(entry);
        }
    }

    /** The hold alone, for the record: what a lease + return adds to it is the pool's cost. */
    @Benchmark
    @Threads(1)
    public void holdAlone() {
        Blackhole.consumeCPU(HOLD);
    }
}
