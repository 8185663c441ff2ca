package cs.resources.benchmarks;

import com.zaxxer.hikari.util.ConcurrentBag;
import cs.resources.Pool;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
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
import stormpot.Allocator;
import stormpot.Expiration;
import stormpot.PoolBuilder;
import stormpot.Pooled;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * Lease and return of a trivial object, the pool's whole fast path, against the peers. Each pool
 * keeps at least as many idle objects as there are threads, so no borrower ever creates or waits
 * in steady state: the benchmark measures reuse alone. The cs.resources pool is measured three
 * ways: as the constructors make it, with a cap above the threads' demand ({@code maxTotal}), and
 * with a {@code maxLifetime} (a clock read per lease, as Stormpot's default expiration does).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public abstract class PoolBenchmark {

    static final int SIZE = 4;

    @State(Scope.Benchmark)
    public static class CsPool {
        Pool<Object> pool;

        @Setup
        public void setUp() {
            pool = new Pool<>(Object::new, SIZE);
        }

        @TearDown
        public void tearDown() {
            pool.close();
        }
    }

    /** The same with a cap above the threads' demand: {@code maxTotal(2 * SIZE)}. */
    @State(Scope.Benchmark)
    public static class CsPoolCapped {
        Pool<Object> pool;

        @Setup
        public void setUp() {
            pool = Pool.builder(Object::new).maxSize(SIZE).maxTotal(2 * SIZE).build();
        }

        @TearDown
        public void tearDown() {
            pool.close();
        }
    }

    /** The same with {@code maxLifetime} (10 minutes): a clock read per lease, like Stormpot's default. */
    @State(Scope.Benchmark)
    public static class CsPoolLifetime {
        Pool<Object> pool;

        @Setup
        public void setUp() {
            pool = Pool.builder(Object::new).maxSize(SIZE).maxLifetime(Duration.ofMinutes(10)).build();
        }

        @TearDown
        public void tearDown() {
            pool.close();
        }
    }

    /**
     * The same with the controls that cost a lease something when on: a long-lease warning (a clock
     * read and the borrower's stack per lease) and hold times (two clock reads and a record), for
     * the record. Off, they cost nothing: that is {@code csPool}.
     */
    @State(Scope.Benchmark)
    public static class CsPoolWatched {
        Pool<Object> pool;

        @Setup
        public void setUp() {
            pool = Pool.builder(Object::new).maxSize(SIZE).longLeaseWarning(Duration.ofHours(1)).recordHoldTimes(true)
                    .build();
        }

        @TearDown
        public void tearDown() {
            pool.close();
        }
    }

    /** One entry of {@link HikariBag}: the state word HikariCP keeps beside each connection. */
    static final class BagEntry implements ConcurrentBag.IConcurrentBagEntry {
        private static final java.lang.invoke.VarHandle STATE;

        static {
            try {
                STATE = java.lang.invoke.MethodHandles.lookup().findVarHandle(BagEntry.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Object object = new Object();
        private volatile int state;

        @Override
        public boolean compareAndSet(int expect, int update) {
            return STATE.compareAndSet(this, expect, update);
        }

        @Override
        public void setState(int update) {
            state = update;
        }

        @Override
        public int getState() {
            return state;
        }
    }

    /**
     * HikariCP 7.1's ConcurrentBag, the structure behind its connection pool: a thread-local list of
     * the entries the thread returned last, scanned first, then the shared list, then a hand-off
     * queue. Filled with {@code entries} entries up front; it never grows (its listener adds nothing).
     */
    @State(Scope.Benchmark)
    public static class HikariBag {
        ConcurrentBag<BagEntry> bag;

        int entries() {
            return SIZE;
        }

        @Setup
        public void setUp() {
            bag = new ConcurrentBag<>(waiting -> { });
            for (int i = 0; i < entries(); i++) {
                bag.add(new BagEntry());
            }
        }

        @TearDown
        public void tearDown() {
            bag.close();
        }
    }

    /**
     * Stormpot as its documentation sets it up: {@code Pool.from(allocator)} with the default
     * expiration (8 to 10 minutes, checked on every claim, which reads the clock).
     */
    @State(Scope.Benchmark)
    public static class Stormpot {
        stormpot.Pool<Pooled<Object>> pool;
        final Timeout timeout = new Timeout(10, TimeUnit.SECONDS);

        @Setup
        public void setUp() throws InterruptedException {
            pool = configure(stormpot.Pool.from(new Allocator<Pooled<Object>>() {
                @Override
                public Pooled<Object> allocate(Slot slot) {
                    return new Pooled<>(slot, new Object());
                }

                @Override
                public void deallocate(Pooled<Object> poolable) {
                }
            }).setSize(SIZE)).build();
            // Wait for the background allocator's first object.
            pool.claim(timeout).release();
        }

        PoolBuilder<Pooled<Object>> configure(PoolBuilder<Pooled<Object>> builder) {
            return builder;
        }

        @TearDown
        public void tearDown() throws InterruptedException {
            pool.shutdown().await(timeout);
        }
    }

    /** Stormpot without expiration: its fast path alone (no clock read), for the record. */
    @State(Scope.Benchmark)
    public static class StormpotNoExpiration extends Stormpot {
        @Override
        PoolBuilder<Pooled<Object>> configure(PoolBuilder<Pooled<Object>> builder) {
            return builder.setExpiration(Expiration.never());
        }
    }

    /** commons-pool2 with its defaults (LIFO, up to 8 objects). */
    @State(Scope.Benchmark)
    public static class CommonsPool2 {
        GenericObjectPool<Object> pool;

        @Setup
        public void setUp() {
            pool = new GenericObjectPool<>(new BasePooledObjectFactory<Object>() {
                @Override
                public Object create() {
                    return new Object();
                }

                @Override
                public PooledObject<Object> wrap(Object object) {
                    return new DefaultPooledObject<>(object);
                }
            });
        }

        @TearDown
        public void tearDown() {
            pool.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Synchronized {
        final SynchronizedPool<Object> pool = new SynchronizedPool<>(Object::new, SIZE);
    }

    @Benchmark
    public Object csPool(CsPool state) {
        try (Pool.Lease<Object> lease = state.pool.instance()) {
            return lease.get();
        }
    }

    @Benchmark
    public Object csPoolCapped(CsPoolCapped state) {
        try (Pool.Lease<Object> lease = state.pool.instance()) {
            return lease.get();
        }
    }

    @Benchmark
    public Object csPoolLifetime(CsPoolLifetime state) {
        try (Pool.Lease<Object> lease = state.pool.instance()) {
            return lease.get();
        }
    }

    @Benchmark
    public Object csPoolWatched(CsPoolWatched state) {
        try (Pool.Lease<Object> lease = state.pool.instance()) {
            return lease.get();
        }
    }

    @Benchmark
    public Object hikariBag(HikariBag state) throws InterruptedException {
        BagEntry entry = state.bag.borrow(10, TimeUnit.SECONDS);
        try {
            return entry.object;
        } finally {
            state.bag.requite(entry);
        }
    }

    @Benchmark
    public Object stormpot(Stormpot state) throws InterruptedException {
        Pooled<Object> pooled = state.pool.claim(state.timeout);
        try {
            return pooled.object;
        } finally {
            pooled.release();
        }
    }

    @Benchmark
    public Object stormpotNoExpiration(StormpotNoExpiration state) throws InterruptedException {
        Pooled<Object> pooled = state.pool.claim(state.timeout);
        try {
            return pooled.object;
        } finally {
            pooled.release();
        }
    }

    @Benchmark
    public Object commonsPool2(CommonsPool2 state) throws Exception {
        Object object = state.pool.borrowObject();
        try {
            return object;
        } finally {
            state.pool.returnObject(object);
        }
    }

    @Benchmark
    public Object synchronizedDeque(Synchronized state) {
        Object object = state.pool.take();
        try {
            return object;
        } finally {
            state.pool.give(object);
        }
    }

    @Threads(1)
    public static class T1 extends PoolBenchmark {
    }

    @Threads(2)
    public static class T2 extends PoolBenchmark {
    }
}
