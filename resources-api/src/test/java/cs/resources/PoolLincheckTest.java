package cs.resources;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linearizability of {@link Pool}, checked by Lincheck against a plain sequential model
 * ({@link Spec}): a LIFO list of idle objects with an idle bound, the leases each thread holds, and
 * the counters of {@link Pool.Stats}. Every history of concurrent leases, returns, discards,
 * closes and stats must be explainable by running the calls one at a time, each at some instant
 * between its start and its return.
 *
 * <p>The factory numbers its objects 1, 2, ..., so the model predicts which object each lease
 * gets: a reused one (the most recently returned) or the next new one. An object leased twice at
 * once, lost from the idle stack, or kept beyond the idle bound shows up as a wrong number or a
 * wrong count. Every scenario starts from the same state, which the model also builds: each
 * parallel thread holds a lease (objects 1 and 2) and object 3 is idle, so that even short
 * scenarios race two returns, or two leases of one idle object, against each other.
 *
 * <p>Taking a lease and ending it are separate operations (a thread keeps its leases between
 * them), because only each step is atomic: two overlapping lease-use-return sequences may both
 * create an object, which no sequential order of whole sequences would do. {@code stats()} is
 * exact only "when no lease is being taken or returned meanwhile" (its Javadoc): its counters are
 * read one after another, not as one atomic snapshot. So the {@code stats} operation waits, on a
 * read-write lock of this test (a spinning one, which gives the model checker fewer steps to
 * interleave outside the pool), until no other operation is inside the pool; the other operations
 * share that lock and run concurrently with one another. Without it Lincheck finds, for instance,
 * a {@code stats()} that counts one of two concurrent new leases but not the other (its factory
 * has run; it is not registered yet), with the factory's numbers in the opposite order.
 *
 * <p>{@code close()} of the pool runs at most once per scenario, never before the parallel part (a
 * pool closed early would leave nothing to check), concurrently with the other operations: one
 * compare-and-set takes the whole idle stack and marks the pool closed, so it is atomic. (An
 * earlier close(), which set a flag and then popped the idle objects one by one, was not: from idle
 * objects [3], a lease concurrent with it returned a new object 4, where a sequential order gives
 * either 3 or "closed". This test found that.)
 *
 * <p>See {@link LincheckMode} for the quick and long modes.
 */
@Timeout(value = 1, unit = TimeUnit.HOURS) // LincheckMode's budget is the real limit
class PoolLincheckTest {

    private static final LincheckMode MODE = LincheckMode.current();

    /** The idle bound: small, so that returns beyond it (drops) happen in short scenarios. */
    static final int MAX_IDLE = 2;
    /** Lincheck's thread ids: 0 before the parallel part, then one per thread, then the part after. */
    static final int THREAD_IDS = 8;
    /** Threads in the parallel part. */
    static final int THREADS = 2;
    /** What {@code giveBack} and {@code discard} return when this thread holds no lease. */
    static final int NO_LEASE = -1;
    /** What {@code lease} returns when the pool is closed. */
    static final int CLOSED = -2;

    // One operation before the parallel part, so that the starting state (see Leasing) mostly
    // reaches it: the parallel threads then race for the idle object and return their leases.

    @Test
    void modelChecking() {
        MODE.check(MODE.modelChecking()
                .threads(THREADS).actorsPerThread(3).actorsBefore(1).actorsAfter(2)
                .sequentialSpecification(Spec.class), Leasing.class);
    }

    @Test
    void stress() {
        MODE.check(MODE.stress()
                .threads(THREADS).actorsPerThread(3).actorsBefore(1).actorsAfter(2)
                .sequentialSpecification(Spec.class), Leasing.class);
    }

    /**
     * The Lincheck test class: one pool of numbered objects, and the leases each thread holds,
     * newest first ({@code giveBack} and {@code discard} end the newest; a thread is identified by
     * Lincheck's thread id parameter, which the model receives too). A disposer counts the objects
     * the pool lets go of.
     */
    public static class Leasing {
        private final AtomicInteger made = new AtomicInteger();
        private final AtomicInteger disposed = new AtomicInteger();
        private final Pool<Integer> pool = Pool.<Integer>builder(made::incrementAndGet)
                .maxSize(MAX_IDLE)
                .disposer(o -> disposed.incrementAndGet())
                .build();
        /** Each thread's leases, touched only by that thread. */
        private final List<Deque<Pool.Lease<Integer>>> held = perThread();
        /** Calls inside the pool, or -1 while a stats() that must see no such call runs. */
        private final AtomicInteger inside = new AtomicInteger();

        /** Each parallel thread holds a lease (objects 1, 2, ...) and one more object is idle. */
        public Leasing() {
            for (int t = 1; t <= THREADS; t++) {
                lease(t);
            }
            lease(0);
            giveBack(0);
        }

        // A read-write lock of this test, spinning: far fewer steps for the model checker to
        // interleave than a ReentrantReadWriteLock, so that its switches fall inside the pool.

        private void enterShared() {
            for (int n; (n = inside.get()) < 0 || !inside.compareAndSet(n, n + 1); ) {
                Thread.onSpinWait();
            }
        }

        private void enterAlone() {
            while (!inside.compareAndSet(0, -1)) {
                Thread.onSpinWait();
            }
        }

        private void exit() {
            if (inside.get() < 0) {
                inside.set(0);
            } else {
                inside.decrementAndGet();
            }
        }

        /** {@code instance()}, keeping the lease: the object's number, or CLOSED. */
        @Operation
        public int lease(@Param(gen = ThreadIdGen.class) int thread) {
            enterShared();
            try {
                Pool.Lease<Integer> lease;
                try {
                    lease = pool.instance();
                } catch (ClosedException e) {
                    return CLOSED;
                }
                held.get(thread).push(lease);
                return lease.get();
            } finally {
                exit();
            }
        }

        /** Closes this thread's newest lease twice (the second close must do nothing): its number. */
        @Operation
        public int giveBack(@Param(gen = ThreadIdGen.class) int thread) {
            enterShared();
            try {
                Pool.Lease<Integer> lease = held.get(thread).poll();
                if (lease == null) {
                    return NO_LEASE;
                }
                int object = lease.get();
                lease.close();
                lease.close();
                return object;
            } finally {
                exit();
            }
        }

        /** Discards this thread's newest lease: its number. */
        @Operation
        public int discard(@Param(gen = ThreadIdGen.class) int thread) {
            enterShared();
            try {
                Pool.Lease<Integer> lease = held.get(thread).poll();
                if (lease == null) {
                    return NO_LEASE;
                }
                int object = lease.get();
                lease.discard();
                return object;
            } finally {
                exit();
            }
        }

        /** {@code close()} of the pool, at most once and not before the parallel part. */
        @Operation(runOnce = true)
        public void closePool() {
            enterShared();
            try {
                pool.close();
            } finally {
                exit();
            }
        }

        /** {@code stats()}, once no other call is inside the pool. */
        @Operation
        public Pool.Stats stats() {
            enterAlone();
            try {
                return pool.stats();
            } finally {
                exit();
            }
        }

        /** After each run: the pool disposed of each object it let go of, and counted what it made. */
        @Validate
        public void droppedObjectsWereDisposed() {
            Pool.Stats stats = pool.stats();
            if (stats.dropped() != disposed.get()) {
                throw new IllegalStateException(stats + ", but " + disposed.get() + " objects were disposed of");
            }
            if (stats.created() != made.get()) {
                throw new IllegalStateException(stats + ", but the factory made " + made.get() + " objects");
            }
        }
    }

    /** @return one empty list per Lincheck thread id */
    static <E> List<Deque<E>> perThread() {
        List<Deque<E>> lists = new ArrayList<>(THREAD_IDS);
        for (int t = 0; t < THREAD_IDS; t++) {
            lists.add(new ArrayDeque<>());
        }
        return lists;
    }

    /** What Pool promises, one call at a time. */
    public static class Spec {
        /** Idle objects, the most recently returned first. */
        private final Deque<Integer> idle = new ArrayDeque<>();
        private final List<Deque<Integer>> held = perThread();
        private boolean closed;
        private int made;
        private long reused;
        private long dropped;

        /** The starting state of {@link Leasing}, built the same way. */
        public Spec() {
            for (int t = 1; t <= THREADS; t++) {
                lease(t);
            }
            lease(0);
            giveBack(0);
        }

        public int lease(int thread) {
            if (closed) {
                return CLOSED;
            }
            int object;
            if (idle.isEmpty()) {
                object = ++made;
            } else {
                object = idle.pop();
                reused++;
            }
            held.get(thread).push(object);
            return object;
        }

        public int giveBack(int thread) {
            Integer object = held.get(thread).poll();
            if (object == null) {
                return NO_LEASE;
            }
            if (!closed && idle.size() < MAX_IDLE) {
                idle.push(object);
            } else {
                dropped++;
            }
            return object;
        }

        public int discard(int thread) {
            Integer object = held.get(thread).poll();
            if (object == null) {
                return NO_LEASE;
            }
            dropped++;
            return object;
        }

        public void closePool() {
            if (!closed) {
                closed = true;
                dropped += idle.size();
                idle.clear();
            }
        }

        public Pool.Stats stats() {
            int inUse = held.stream().mapToInt(Deque::size).sum();
            return new Pool.Stats(made, reused, dropped, idle.size(), inUse);
        }

        private String state() {
            return closed + " " + idle + " " + held + " " + made + " " + reused + " " + dropped;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Spec s && s.state().equals(state());
        }

        @Override
        public int hashCode() {
            return state().hashCode();
        }
    }
}
