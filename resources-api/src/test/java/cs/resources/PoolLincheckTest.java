package cs.resources;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linearizability of {@link Pool}, checked by Lincheck against a plain sequential model
 * ({@link Model}) of what the pool promises: every history of concurrent leases, returns,
 * discards, closes and stats must be explainable by running the calls one at a time, each at some
 * instant between its start and its return.
 *
 * <p>The model is the pool's own, one call at a time: each thread has a cell of its own that
 * holds at most one object (idle, or leased from it and keeping its place under the idle bound);
 * a lease takes the thread's cell's idle object, else the top of the shared stack, else another
 * cell's idle object (in cell order), else a new one; a return goes back to the cell it came from,
 * else into the thread's cell (whose idle object, if any, goes onto the stack), else onto the
 * stack; at the idle bound it first takes the place of a cell whose object is out, and drops the
 * object if there is none. When one thread uses the pool alone this is exactly "the most recently
 * returned object first". The test pins Lincheck's thread {@code t} to cell {@code t}
 * ({@code instanceIn}, {@code closeIn}), so the model knows which cell a thread uses; the cell
 * chosen from a thread's id is the only part of the pool this test does not run.
 *
 * <p>The factory numbers its objects 1, 2, ..., so the model predicts which object each lease
 * gets. An object leased twice at once, lost, kept beyond the idle bound or the cap, or handed out
 * after it expired shows up as a wrong number or a wrong count. Every scenario starts from the same
 * state, which the model also builds: each parallel thread leases an object (1 and 2), and the
 * thread before them leases and returns a third (idle in its cell, having taken the place of
 * object 1 under the bound of 2; {@link Capped}, at its cap, gets none), so that even short
 * scenarios race two returns, or two leases of one idle object, against each other.
 *
 * <p>Taking a lease and ending it are separate operations (a thread keeps its leases between
 * them), because only each step is atomic. {@code stats()} is exact only "when no lease is being
 * taken or returned meanwhile" (its Javadoc): so the {@code stats} operation waits, on a spinning
 * read-write lock of this test, until no other operation is inside the pool; the other operations
 * share that lock and run concurrently with one another. {@code close()} of the pool runs at most
 * once per scenario, never before the parallel part.
 *
 * <p>Two configurations: {@link Leasing}, an idle bound of 2 and no cap (returns race for the
 * places under the bound, and take them back from cells whose object is out); {@link Capped}, a
 * cap of 2 with {@code tryInstance()} (which never waits, so the model stays sequential) and an
 * expiration rule (objects expire after two leases), so that expiration races leases.
 *
 * <p>See {@link LincheckMode} for the quick and long modes.
 */
@Timeout(value = 1, unit = TimeUnit.HOURS) // LincheckMode's budget is the real limit
class PoolLincheckTest {

    private static final LincheckMode MODE = LincheckMode.current();

    /** The idle bound of {@link Leasing}: small, so that returns beyond it (drops) happen in short scenarios. */
    static final int MAX_IDLE = 2;
    /** The cap of {@link Capped}. */
    static final int MAX_TOTAL = 2;
    /** The leases an object of {@link Capped} has before it expires. */
    static final long LIFETIME = 2;
    /** Lincheck's thread ids: 0 before the parallel part, then one per thread, then the part after. */
    static final int THREAD_IDS = 8;
    /** Threads in the parallel part. */
    static final int THREADS = 2;
    /** What {@code giveBack} and {@code discard} return when this thread holds no lease. */
    static final int NO_LEASE = -1;
    /** What {@code lease} returns when the pool is closed. */
    static final int CLOSED = -2;
    /** What {@code lease} of {@link Capped} returns at the cap. */
    static final int FULL = -3;

    /**
     * The pool's shared path (a lock, the cells) has many more steps to interleave than the old
     * lock-free stack: in the quick mode, model checking runs 10 scenarios of 40 invocations, which
     * keeps it quick on a two-core machine shared by six builds (100 invocations took over 60 s at a
     * load average of 15); the long mode runs its full counts.
     */
    static org.jetbrains.lincheck.datastructures.ModelCheckingOptions modelCheckingOptions() {
        org.jetbrains.lincheck.datastructures.ModelCheckingOptions options = MODE.modelChecking();
        return MODE == LincheckMode.QUICK ? options.iterations(10).invocationsPerIteration(40) : options;
    }

    @Test
    void modelChecking() {
        MODE.check(modelCheckingOptions()
                .threads(THREADS).actorsPerThread(3).actorsBefore(1).actorsAfter(2)
                .sequentialSpecification(Spec.class), Leasing.class);
    }

    @Test
    void stress() {
        MODE.check(MODE.stress()
                .threads(THREADS).actorsPerThread(3).actorsBefore(1).actorsAfter(2)
                .sequentialSpecification(Spec.class), Leasing.class);
    }

    @Test
    void modelCheckingWithACapAndExpiration() {
        MODE.check(modelCheckingOptions()
                .threads(THREADS).actorsPerThread(3).actorsBefore(1).actorsAfter(2)
                .sequentialSpecification(CappedSpec.class), Capped.class);
    }

    @Test
    void stressWithACapAndExpiration() {
        MODE.check(MODE.stress()
                .threads(THREADS).actorsPerThread(3).actorsBefore(1).actorsAfter(2)
                .sequentialSpecification(CappedSpec.class), Capped.class);
    }

    /**
     * The Lincheck test class: one pool of numbered objects, and the leases each thread holds,
     * newest first ({@code giveBack} and {@code discard} end the newest; a thread is identified by
     * Lincheck's thread id parameter, which the model receives too, and uses the cell of that
     * number). A disposer counts the objects the pool lets go of.
     */
    public static class Leasing {
        final AtomicInteger made = new AtomicInteger();
        final AtomicInteger disposed = new AtomicInteger();
        final Pool<Integer> pool;
        private final boolean tryOnly;
        /** Each thread's leases, touched only by that thread. */
        private final List<Deque<Pool.Lease<Integer>>> held = perThread();
        /** Calls inside the pool, or -1 while a stats() that must see no such call runs. */
        private final AtomicInteger inside = new AtomicInteger();

        /** Each parallel thread holds a lease (objects 1, 2) and a third object is idle (see the class comment). */
        public Leasing() {
            this(false);
        }

        Leasing(boolean capped) {
            Pool.Builder<Integer> b = Pool.<Integer>builder(made::incrementAndGet)
                    .disposer(o -> disposed.incrementAndGet())
                    .cells(4); // threads 0 to 2 use cells 0 to 2; fewer cells, fewer steps to interleave
            if (capped) {
                b.maxTotal(MAX_TOTAL).expiration(info -> info.leaseCount() >= LIFETIME);
            } else {
                b.maxSize(MAX_IDLE);
            }
            this.pool = b.build();
            this.tryOnly = capped;
            for (int t = 1; t <= THREADS; t++) {
                lease(t);
            }
            lease(0);
            giveBack(0);
        }

        // A read-write lock of this test, spinning: far fewer steps for the model checker to
        // interleave than a ReentrantReadWriteLock, so that its switches fall inside the pool.

        void enterShared() {
            for (int n; (n = inside.get()) < 0 || !inside.compareAndSet(n, n + 1); ) {
                Thread.onSpinWait();
            }
        }

        private void enterAlone() {
            while (!inside.compareAndSet(0, -1)) {
                Thread.onSpinWait();
            }
        }

        void exit() {
            if (inside.get() < 0) {
                inside.set(0);
            } else {
                inside.decrementAndGet();
            }
        }

        /** {@code instance()} (or {@code tryInstance()}), keeping the lease: the object's number, CLOSED or FULL. */
        @Operation
        public int lease(@Param(gen = ThreadIdGen.class) int thread) {
            enterShared();
            try {
                Pool.Lease<Integer> lease;
                try {
                    lease = tryOnly ? pool.tryInstanceIn(thread) : pool.instanceIn(thread);
                } catch (ClosedException e) {
                    return CLOSED;
                }
                if (lease == null) {
                    return FULL;
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
                pool.closeIn(lease, thread);
                pool.closeIn(lease, thread);
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

    /**
     * {@link Leasing} with a cap of 2, {@code tryInstance()}, {@code setMaxTotal} and
     * {@code evictAll}, and an expiration rule: an object expires after {@value #LIFETIME} leases. (A rule on the object's own lease count, not on a
     * clock: a clock moved by another thread is not part of any one call, so no sequential model
     * can say which reading a lease should have seen; a time-based rule is judged by a clock read
     * just after the claim, which {@code PoolTest} checks.)
     */
    public static class Capped extends Leasing {
        public Capped() {
            super(true);
        }

        /** {@code setMaxTotal(cap)}: 0, or CLOSED. */
        @Operation
        public int setMaxTotal(@Param(gen = IntGen.class, conf = "1:3") int cap) {
            enterShared();
            try {
                pool.setMaxTotal(cap);
                return 0;
            } catch (ClosedException e) {
                return CLOSED;
            } finally {
                exit();
            }
        }

        /** {@code evictAll()}: 0, or CLOSED. */
        @Operation
        public int evictAll() {
            enterShared();
            try {
                pool.evictAll();
                return 0;
            } catch (ClosedException e) {
                return CLOSED;
            } finally {
                exit();
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

    /** What Pool does, one call at a time (see the class comment). */
    abstract static class Model {
        /** A lease a thread holds: the object, and the cell that still keeps its place (-1: none). */
        static final class Held {
            final int object;
            int cell;

            Held(int object, int cell) {
                this.object = object;
                this.cell = cell;
            }

            @Override
            public String toString() {
                return object + "@" + cell;
            }
        }

        private final int maxIdle;
        private int maxTotal;
        /** Objects in use that evictAll marked: let go of when they come back. */
        private final java.util.Set<Integer> doomed = new java.util.TreeSet<>();
        private final long lifetime;
        /** Each cell's object (0: none) and whether it is leased. */
        private final int[] cell = new int[THREAD_IDS];
        private final boolean[] leasedFromCell = new boolean[THREAD_IDS];
        /** Idle objects on the stack, the top first. */
        private final Deque<Integer> stack = new ArrayDeque<>();
        private final List<Deque<Held>> held = perThread();
        /** The leases each object has had. */
        private final List<Long> leases = new ArrayList<>();
        private boolean closed;
        private int made;
        private int live;
        private long reused;
        private long dropped;
        private long expired;

        Model(int maxIdle, int maxTotal, long lifetime) {
            this.maxIdle = maxIdle;
            this.maxTotal = maxTotal;
            this.lifetime = lifetime;
            leases.add(0L);
            for (int t = 1; t <= THREADS; t++) {
                lease(t);
            }
            lease(0);
            giveBack(0);
        }

        private boolean bounded() {
            return maxIdle > 0 && (maxTotal == 0 || maxIdle < maxTotal);
        }

        private int places() {
            int p = stack.size();
            for (int c : cell) {
                if (c != 0) {
                    p++;
                }
            }
            return p;
        }

        private boolean expired(int object) {
            return lifetime > 0 && leases.get(object) >= lifetime;
        }

        private void drop() {
            dropped++;
            live--;
        }

        /** The idle object a lease by {@code thread} takes, in the pool's order, and where it came from. */
        private int takeIdle(int home, int[] from) {
            if (cell[home] != 0 && !leasedFromCell[home]) {
                from[0] = home;
                return cell[home];
            }
            if (!stack.isEmpty()) {
                from[0] = -1;
                return stack.pop();
            }
            for (int i = 1; i < THREAD_IDS; i++) {
                int j = (home + i) % THREAD_IDS;
                if (cell[j] != 0 && !leasedFromCell[j]) {
                    from[0] = -2 - j;
                    return cell[j];
                }
            }
            return 0;
        }

        public int lease(int thread) {
            if (closed) {
                return CLOSED;
            }
            int home = thread;
            int[] from = new int[1];
            for (;;) {
                int object = takeIdle(home, from);
                if (object == 0) {
                    break;
                }
                int place;
                if (from[0] >= 0) {
                    leasedFromCell[home] = true;
                    place = home;
                } else {
                    if (from[0] < -1) {
                        cell[-2 - from[0]] = 0; // taken out of another cell
                    }
                    place = adopt(home, object);
                }
                if (expired(object)) {
                    if (place >= 0) {
                        cell[place] = 0;
                        leasedFromCell[place] = false;
                    }
                    drop();
                    expired++;
                    continue;
                }
                reused++;
                leases.set(object, leases.get(object) + 1);
                held.get(thread).push(new Held(object, place));
                return object;
            }
            if (maxTotal > 0 && live >= maxTotal) {
                return FULL;
            }
            int object = ++made;
            live++;
            leases.add(1L);
            held.get(thread).push(new Held(object, adopt(home, object)));
            return object;
        }

        /** A lease's object moves into the borrower's cell if that is free and a place is. @return the cell or -1 */
        private int adopt(int home, int object) {
            if (cell[home] == 0 && (!bounded() || places() < maxIdle)) {
                cell[home] = object;
                leasedFromCell[home] = true;
                return home;
            }
            return -1;
        }

        public int giveBack(int thread) {
            Held h = held.get(thread).poll();
            if (h == null) {
                return NO_LEASE;
            }
            if (h.cell >= 0) {
                leasedFromCell[h.cell] = false; // back in its cell
                if (closed) {
                    cell[h.cell] = 0;
                    drop();
                }
                return h.object;
            }
            if (closed || doomed.remove(h.object) || (maxTotal > 0 && live > maxTotal) || !takePlace()) {
                drop();
                return h.object;
            }
            int home = thread;
            if (cell[home] != 0 && !leasedFromCell[home]) {
                stack.push(cell[home]);
                cell[home] = 0;
            }
            if (cell[home] == 0) {
                cell[home] = h.object;
            } else {
                stack.push(h.object);
            }
            return h.object;
        }

        /** At the idle bound, a return takes the place of the first cell whose object is out. */
        private boolean takePlace() {
            if (!bounded() || places() < maxIdle) {
                return true;
            }
            for (int j = 0; j < THREAD_IDS; j++) {
                if (cell[j] != 0 && leasedFromCell[j]) {
                    for (Deque<Held> leases : held) {
                        for (Held other : leases) {
                            if (other.cell == j) {
                                other.cell = -1;
                            }
                        }
                    }
                    cell[j] = 0;
                    leasedFromCell[j] = false;
                    return true;
                }
            }
            return false;
        }

        public int discard(int thread) {
            Held h = held.get(thread).poll();
            if (h == null) {
                return NO_LEASE;
            }
            doomed.remove(h.object);
            if (h.cell >= 0) {
                cell[h.cell] = 0;
                leasedFromCell[h.cell] = false;
            }
            drop();
            return h.object;
        }

        /** The oldest idle objects first: the stack's bottom, then idle cells in order; {@code n} of them. */
        private void drainIdle(int n) {
            while (n > 0 && !stack.isEmpty()) {
                stack.removeLast();
                drop();
                n--;
            }
            for (int j = 0; j < THREAD_IDS && n > 0; j++) {
                if (cell[j] != 0 && !leasedFromCell[j]) {
                    cell[j] = 0;
                    drop();
                    n--;
                }
            }
        }

        private int idleCount() {
            int idle = stack.size();
            for (int j = 0; j < THREAD_IDS; j++) {
                if (cell[j] != 0 && !leasedFromCell[j]) {
                    idle++;
                }
            }
            return idle;
        }

        /** Every lease still keeping its cell's place loses it: its return comes through the core. */
        private void releaseLeasedCells() {
            for (Deque<Held> leases : held) {
                for (Held h : leases) {
                    if (h.cell >= 0) {
                        cell[h.cell] = 0;
                        leasedFromCell[h.cell] = false;
                        h.cell = -1;
                    }
                }
            }
        }

        public int setMaxTotal(int cap) {
            if (closed) {
                return CLOSED;
            }
            maxTotal = cap;
            // The idle bound follows the cap (never set in this model's pools): nothing is over it.
            if (live > cap) {
                drainIdle(live - cap);
            }
            if (live > cap) {
                releaseLeasedCells();
            }
            return 0;
        }

        public int evictAll() {
            if (closed) {
                return CLOSED;
            }
            for (Deque<Held> leases : held) {
                for (Held h : leases) {
                    doomed.add(h.object);
                }
            }
            releaseLeasedCells();
            drainIdle(idleCount());
            return 0;
        }

        public void closePool() {
            if (!closed) {
                closed = true;
                while (!stack.isEmpty()) {
                    stack.pop();
                    drop();
                }
                for (int j = 0; j < THREAD_IDS; j++) {
                    if (cell[j] != 0 && !leasedFromCell[j]) {
                        cell[j] = 0;
                        drop();
                    }
                }
            }
        }

        public Pool.Stats stats() {
            int inUse = held.stream().mapToInt(Deque::size).sum();
            int idle = stack.size();
            for (int j = 0; j < THREAD_IDS; j++) {
                if (cell[j] != 0 && !leasedFromCell[j]) {
                    idle++;
                }
            }
            return new Pool.Stats(made, reused, dropped, idle, inUse, 0, 0, expired, 0, Duration.ZERO, Duration.ZERO);
        }

        private String state() {
            return closed + " " + java.util.Arrays.toString(cell) + " " + java.util.Arrays.toString(leasedFromCell) + " "
                    + stack + " " + held + " " + made + " " + reused + " " + dropped + " " + expired + " " + maxTotal + " "
                    + doomed;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Model m && m.state().equals(state());
        }

        @Override
        public int hashCode() {
            return state().hashCode();
        }
    }

    /** The model of {@link Leasing}. */
    public static class Spec extends Model {
        public Spec() {
            super(MAX_IDLE, 0, 0);
        }
    }

    /** The model of {@link Capped}. */
    public static class CappedSpec extends Model {
        public CappedSpec() {
            super(0, MAX_TOTAL, LIFETIME);
        }
    }
}
