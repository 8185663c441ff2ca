package cs.resources;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A pool of interchangeable objects, on the premise that reuse is cheaper than creation (the Python
 * library's {@code Pool}). Objects are leased with try-with-resources and come back when the lease
 * closes, also when the body threw:
 *
 * <pre>{@code
 * Pool<MessageDigest> digests = new Pool<>(() -> newSha256());
 * try (var lease = digests.instance()) {
 *     return lease.get().digest(bytes);
 * }
 * }</pre>
 *
 * <h2>Sizing</h2>
 * {@code maxSize} bounds the <em>idle</em> objects kept for reuse, never the objects in use: a
 * borrower finding no idle object always gets a new one. An object returned while {@code maxSize}
 * objects are idle is dropped. {@code 0} means no bound. The most recently returned object is
 * reused first.
 *
 * <h2>Beyond the Python library</h2>
 * Through {@link #builder(Supplier)}: a disposer for every object the pool lets go of (dropped,
 * discarded, invalid, idle at {@link #close()}, returned after it); a validator run on return (an
 * invalid object is disposed, not kept); {@link Lease#discard()} for a broken object;
 * {@link #stats()}.
 *
 * <h2>Failures</h2>
 * An exception from the factory reaches the borrower as it was thrown (the same instance) and
 * leaves the pool unchanged; a factory returning {@code null} gets a {@link NullPointerException}.
 * An exception from the validator or the disposer reaches whoever closed the lease (or the pool),
 * after the pool has finished its bookkeeping: the object is dropped and counted. This holds for
 * checked exceptions too (thrown by Kotlin lambdas or through {@code @SneakyThrows}): they are
 * rethrown as they are.
 *
 * <h2>Concurrency</h2>
 * Thread-safe; an object is never leased to two borrowers at once. The idle objects form a
 * lock-free LIFO stack: one volatile {@code long} holds the index of the top entry and a version
 * stamp that changes on every push and pop (so a stale compare-and-set always fails). Leasing an
 * idle object and returning it take no lock and, once the lease object is scalar-replaced by the
 * JIT, allocate nothing. Creation runs outside any lock; registering a new object and retiring a
 * dropped one hold a private monitor that also guards the counters of {@link #stats()}.
 *
 * @param <T> the type of the pooled objects
 */
public final class Pool<T> implements AutoCloseable {

    /** The idle bound of {@link #Pool(Supplier)} and of a builder whose size was not set. */
    public static final int DEFAULT_MAX_SIZE = 4;

    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle HEAD;
    private static final VarHandle STAMP;
    private static final VarHandle LEASES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(Pool.class, "head", long.class);
            STAMP = lookup.findVarHandle(Slot.class, "stamp", long.class);
            LEASES = lookup.findVarHandle(Slot.class, "leases", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Supplier<? extends T> newObject;
    private final int maxSize;
    private final Consumer<? super T> disposer;
    private final Predicate<? super T> validator;
    private final String name;

    /** In {@link #head}: the pool is closed; the stack is gone and no push or pop succeeds. */
    private static final long CLOSED_BIT = Long.MIN_VALUE;

    /**
     * Top of the idle stack: bit 63 set once the pool is closed ({@link #CLOSED_BIT}), a version in
     * bits 32 to 62, the slot index in the low 32 bits (0: empty). Changed only by
     * compare-and-set: a push or a pop makes a new version, so a stale compare-and-set fails, and
     * {@link #close()} takes the whole stack at once.
     */
    private volatile long head;

    /** Guards the slot registry and the counters below; never held while user code runs. */
    private final Object registry = new Object();
    /**
     * Slots by index (index 0 unused). Elements are written holding {@link #registry}; the array is
     * replaced (copied) when it grows. Read without the lock by the stack operations, whose
     * compare-and-set on {@link #head} rejects any stale read.
     */
    private volatile Slot<T>[] slots;
    private int[] freeIndices = new int[8];
    private int freeCount;
    private int nextIndex = 1;
    private long created;
    private long dropped;
    /** Reuses counted by slots that have since been retired. */
    private long retiredReused;
    /** The leases recorded by {@link LeakDetection}; null until it first records one. */
    private volatile LeakDetection.Holders leakHolders;

    /**
     * A pool that keeps up to {@value #DEFAULT_MAX_SIZE} idle objects.
     *
     * @param newObject makes a new object when no idle one is available
     * @throws NullPointerException if {@code newObject} is null
     */
    public Pool(Supplier<? extends T> newObject) {
        this(newObject, DEFAULT_MAX_SIZE);
    }

    /**
     * @param newObject makes a new object when no idle one is available
     * @param maxSize how many idle objects to keep for reuse; 0 for no bound
     * @throws NullPointerException if {@code newObject} is null
     * @throws IllegalArgumentException if {@code maxSize} is negative
     */
    public Pool(Supplier<? extends T> newObject, int maxSize) {
        this(newObject, maxSize, null, null, null);
    }

    private Pool(Supplier<? extends T> newObject, int maxSize, Consumer<? super T> disposer,
            Predicate<? super T> validator, String name) {
        this.newObject = Objects.requireNonNull(newObject, "newObject");
        this.maxSize = checkSize(maxSize);
        this.disposer = disposer;
        this.validator = validator;
        this.name = name != null ? name : "Pool-" + IDS.incrementAndGet();
        @SuppressWarnings("unchecked")
        Slot<T>[] initial = (Slot<T>[]) new Slot<?>[16];
        this.slots = initial;
    }

    private static int checkSize(int maxSize) {
        if (maxSize < 0) {
            throw new IllegalArgumentException("maxSize must be 0 (no bound) or positive, not " + maxSize);
        }
        return maxSize;
    }

    /**
     * @param <T> the type of the pooled objects
     * @param newObject makes a new object when no idle one is available
     * @return a builder for a pool with a disposer, a validator, a name or another idle bound
     * @throws NullPointerException if {@code newObject} is null
     */
    public static <T> Builder<T> builder(Supplier<? extends T> newObject) {
        return new Builder<>(newObject);
    }

    /** @return the pool's name, as given to the builder or {@code "Pool-" + n} */
    public String name() {
        return name;
    }

    /** @return the idle bound; 0 for none */
    public int maxSize() {
        return maxSize;
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return head < 0;
    }

    // ---------------------------------------------------------------------------------- leasing

    /**
     * Leases an object: the most recently returned idle one, or a new one from the factory (called
     * in this thread, outside any lock) when none is idle.
     *
     * @return the lease; close it to return the object
     * @throws ClosedException if the pool is closed
     * @throws NullPointerException if the factory returned null (the pool is unchanged)
     * @throws RuntimeException whatever the factory threw, the same instance (the pool is unchanged)
     */
    public Lease<T> instance() {
        Slot<T> slot = pop(); // throws ClosedException once the pool is closed
        long stamp;
        if (slot != null) {
            stamp = (long) STAMP.getOpaque(slot) + 1;
            STAMP.setRelease(slot, stamp);
            LEASES.setOpaque(slot, (long) LEASES.getOpaque(slot) + 1);
        } else {
            slot = create();
            stamp = 1L;
        }
        // One allocation site: C2 (JDK 17) cannot scalar-replace a lease that merges two.
        Leased<T> lease = new Leased<>(this, slot, stamp);
        if (LeakDetection.enabled) {
            lease.track(leakHolders());
        }
        return lease;
    }

    /** Makes and registers a new object, for {@link #instance()} when none is idle. */
    private Slot<T> create() {
        T object = newObject.get();
        if (object == null) {
            throw new NullPointerException("the factory of " + this + " returned null");
        }
        return register(object);
    }

    /** @return the leases {@link LeakDetection} recorded for this pool, created on first use */
    final LeakDetection.Holders leakHolders() {
        LeakDetection.Holders h = leakHolders;
        if (h == null) {
            synchronized (registry) {
                h = leakHolders;
                if (h == null) {
                    h = leakHolders = new LeakDetection.Holders(toString());
                }
            }
        }
        return h;
    }

    /** Takes back a slot whose lease just closed (its stamp is even again). */
    private void release(Slot<T> slot) {
        if (head < 0) {
            retire(slot, null); // returned after close()
            return;
        }
        if (validator != null) {
            boolean valid;
            try {
                valid = validator.test(slot.object);
            } catch (Throwable e) {
                // Throwable: a checked exception (Kotlin, @SneakyThrows) must not leak the slot.
                retire(slot, e);
                throw e;
            }
            if (!valid) {
                retire(slot, null);
                return;
            }
        }
        if (!push(slot)) {
            retire(slot, null); // over the idle bound, or the pool closed meanwhile
        }
    }

    /**
     * @return the top idle slot, taken off the stack; null if none is idle
     * @throws ClosedException if the pool is closed
     */
    private Slot<T> pop() {
        for (;;) {
            long h = head;
            if (h < 0) {
                throw new ClosedException("instance() on " + this + ": the pool is closed");
            }
            int top = (int) h;
            if (top == 0) {
                return null;
            }
            Slot<T> slot = slots[top];
            if (slot != null && HEAD.compareAndSet(this, h, next(h, slot.next))) {
                return slot;
            }
        }
    }

    /** @return false if the idle stack was full or the pool is closed (the slot was not pushed) */
    private boolean push(Slot<T> slot) {
        for (;;) {
            long h = head;
            if (h < 0) {
                return false;
            }
            int top = (int) h;
            int depth = 0;
            if (top != 0) {
                Slot<T> t = slots[top];
                if (t == null) {
                    continue;
                }
                depth = t.depth;
            }
            if (maxSize > 0 && depth >= maxSize) {
                if (head == h) {
                    return false;
                }
                continue;
            }
            slot.next = top;
            slot.depth = depth + 1;
            if (HEAD.compareAndSet(this, h, next(h, slot.index))) {
                return true;
            }
        }
    }

    /** @return a head for an open pool: the next version (31 bits, wrapping), {@code index} on top */
    private static long next(long head, int index) {
        return (((head >>> 32) + 1) & 0x7FFF_FFFFL) << 32 | (index & 0xFFFF_FFFFL);
    }

    /** @return the number of idle objects, from one consistent read of the stack top */
    private int idleCount() {
        for (;;) {
            long h = head;
            int top = (int) h;
            if (h < 0 || top == 0) {
                return 0;
            }
            Slot<T> t = slots[top];
            if (t != null) {
                int depth = t.depth;
                if (head == h) {
                    return depth;
                }
            }
        }
    }

    private Slot<T> register(T object) {
        synchronized (registry) {
            int index;
            if (freeCount > 0) {
                index = freeIndices[--freeCount];
            } else {
                if (nextIndex == Integer.MAX_VALUE) {
                    throw new IllegalStateException(this + " cannot track more than " + (Integer.MAX_VALUE - 1) + " objects");
                }
                index = nextIndex++;
                if (index >= slots.length) {
                    slots = Arrays.copyOf(slots, (int) Math.min(Integer.MAX_VALUE - 8L, 2L * slots.length));
                }
            }
            Slot<T> slot = new Slot<>(object, index);
            slots[index] = slot;
            created++;
            return slot;
        }
    }

    /**
     * Lets go of a slot that is in no stack and no lease: counts it dropped, frees its index and
     * disposes of its object. A disposer failure is thrown, with {@code primary} (if any) taking
     * precedence and the disposer's exception suppressed into it.
     */
    private void retire(Slot<T> slot, Throwable primary) {
        synchronized (registry) {
            slots[slot.index] = null;
            if (freeCount == freeIndices.length) {
                freeIndices = Arrays.copyOf(freeIndices, 2 * freeCount);
            }
            freeIndices[freeCount++] = slot.index;
            dropped++;
            retiredReused += (long) LEASES.getOpaque(slot) - 1;
        }
        if (disposer != null) {
            try {
                disposer.accept(slot.object);
            } catch (Throwable e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else {
                    throw e;
                }
            }
        }
    }

    /** Retires the slots of a stack taken off the pool by {@link #close()}, from {@code top} down. */
    private void disposeStack(int top) {
        Throwable failure = null;
        for (int i = top; i != 0; ) {
            Slot<T> slot = slots[i];
            i = slot.next; // read before retire frees the index
            try {
                retire(slot, null);
            } catch (Throwable e) {
                // Throwable: a checked exception from the disposer must not stop the others.
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw Pool.<RuntimeException>sneaky(failure);
        }
    }

    /** Rethrows {@code t} as it is, also when it is checked (the disposer may be Kotlin code). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    // ----------------------------------------------------------------------------- stats, close

    /**
     * @return a snapshot of the counters; exact when no lease is being taken or returned meanwhile
     */
    public Stats stats() {
        synchronized (registry) {
            long reused = retiredReused;
            for (Slot<T> slot : slots) {
                if (slot != null) {
                    reused += (long) LEASES.getOpaque(slot) - 1;
                }
            }
            int idle = idleCount();
            long inUse = Math.max(0L, created - dropped - idle);
            return new Stats(created, reused, dropped, idle, (int) Math.min(Integer.MAX_VALUE, inUse));
        }
    }

    /**
     * Closes the pool: idle objects are disposed of now, objects still leased when their leases
     * close, and {@link #instance()} throws {@link ClosedException} from now on. Idempotent.
     * Atomic: one compare-and-set takes the whole idle stack and marks the pool closed, so a lease
     * that overlaps it either got its object before (and returns it to a closed pool, which
     * disposes of it) or is refused; one that found no idle object just before still gets the new
     * object it is making.
     *
     * @throws RuntimeException the first exception a disposer threw (the others suppressed into
     *     it), after every idle object was disposed of
     */
    @Override
    public void close() {
        for (;;) {
            long h = head;
            if (h < 0) {
                return;
            }
            if (HEAD.compareAndSet(this, h, CLOSED_BIT)) {
                disposeStack((int) h);
                return;
            }
        }
    }

    /** @return the name, e.g. {@code Pool[digests]} */
    @Override
    public String toString() {
        return "Pool[" + name + "]";
    }

    // ---------------------------------------------------------------------------------- types

    /**
     * A leased object. Close the lease (try-with-resources) to return the object; closing it again
     * does nothing. A lease is meant for one borrower; it may be handed to another thread, but
     * not shared.
     *
     * @param <T> the type of the pooled object
     */
    @ProviderType
    public interface Lease<T> extends AutoCloseable {
        /**
         * @return the leased object
         * @throws ClosedException if the lease was closed or discarded
         */
        T get();

        /**
         * Returns the object to the pool (kept if valid and under the idle bound, else disposed
         * of). Idempotent.
         *
         * @throws RuntimeException what the validator or the disposer threw, after the object was
         *     dropped and counted
         */
        @Override
        void close();

        /**
         * Ends the lease without returning the object: for an object that is broken. It is
         * disposed of and counted as dropped.
         *
         * @throws ClosedException if the lease was already closed or discarded (the object, now
         *     someone else's or idle, is left alone)
         * @throws RuntimeException what the disposer threw, after the object was dropped and
         *     counted
         */
        void discard();
    }

    /**
     * Counters of a pool.
     *
     * @param created objects made by the factory
     * @param reused leases served by an idle object rather than a new one
     * @param dropped objects the pool let go of: over the idle bound, discarded, invalid, idle at
     *     close, or returned after close
     * @param idle objects waiting for reuse now
     * @param inUse objects leased now
     */
    public record Stats(long created, long reused, long dropped, int idle, int inUse) {
    }

    /**
     * Builds a {@link Pool} with options beyond the constructors'.
     *
     * @param <T> the type of the pooled objects
     */
    public static final class Builder<T> {
        private final Supplier<? extends T> newObject;
        private int maxSize = DEFAULT_MAX_SIZE;
        private Consumer<? super T> disposer;
        private Predicate<? super T> validator;
        private String name;

        private Builder(Supplier<? extends T> newObject) {
            this.newObject = Objects.requireNonNull(newObject, "newObject");
        }

        /**
         * @param maxSize how many idle objects to keep; 0 for no bound (default
         *     {@value Pool#DEFAULT_MAX_SIZE})
         * @return this builder
         * @throws IllegalArgumentException if {@code maxSize} is negative
         */
        public Builder<T> maxSize(int maxSize) {
            this.maxSize = checkSize(maxSize);
            return this;
        }

        /**
         * @param disposer called with every object the pool lets go of, in the thread that lets go
         * @return this builder
         * @throws NullPointerException if {@code disposer} is null
         */
        public Builder<T> disposer(Consumer<? super T> disposer) {
            this.disposer = Objects.requireNonNull(disposer, "disposer");
            return this;
        }

        /**
         * @param validator tested on every returned object; false (or an exception) means the
         *     object is disposed of instead of kept
         * @return this builder
         * @throws NullPointerException if {@code validator} is null
         */
        public Builder<T> validator(Predicate<? super T> validator) {
            this.validator = Objects.requireNonNull(validator, "validator");
            return this;
        }

        /**
         * @param name shown by {@link Pool#toString()}, in messages and by the OSGi runtime
         * @return this builder
         * @throws NullPointerException if {@code name} is null
         */
        public Builder<T> name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** @return a new, open pool */
        public Pool<T> build() {
            return new Pool<>(newObject, maxSize, disposer, validator, name);
        }
    }

    /**
     * One pooled object. {@code stamp} is even while the object is not leased and odd while it is;
     * each lease remembers its stamp, so only the first close of a lease succeeds. {@code next} and
     * {@code depth} (the stack below this entry, and its size including this entry) are written
     * before the push that publishes them.
     */
    private static final class Slot<T> {
        final T object;
        final int index;
        volatile long stamp = 1L;
        long leases = 1L;
        int next;
        int depth;

        Slot(T object, int index) {
            this.object = object;
            this.index = index;
        }
    }

    private static final class Leased<T> implements Lease<T> {
        private final Pool<T> pool;
        private final Slot<T> slot;
        private final long stamp;
        /** Set by {@link #track} when leak detection records this lease; else null. */
        private LeakDetection.Holders holders;
        private LeakDetection.Holder holder;
        private java.lang.ref.Cleaner.Cleanable cleanable;

        Leased(Pool<T> pool, Slot<T> slot, long stamp) {
            this.pool = pool;
            this.slot = slot;
            this.stamp = stamp;
        }

        @Override
        public T get() {
            if (slot.stamp != stamp) {
                throw new ClosedException("get() on a lease from " + pool + ": the lease is closed");
            }
            return slot.object;
        }

        @Override
        public void close() {
            if (STAMP.compareAndSet(slot, stamp, stamp + 1)) {
                if (holder != null) {
                    untrack();
                }
                pool.release(slot);
            }
        }

        @Override
        public void discard() {
            if (!STAMP.compareAndSet(slot, stamp, stamp + 1)) {
                throw new ClosedException("discard() on a lease from " + pool + ": the lease is closed");
            }
            if (holder != null) {
                untrack();
            }
            pool.retire(slot, null);
        }

        void track(LeakDetection.Holders h) {
            holders = h;
            holder = LeakDetection.record(h, "lease");
            cleanable = LeakDetection.watchLease(this, h, holder);
        }

        private void untrack() {
            LeakDetection.release(holders, holder);
            cleanable.clean();
        }

        @Override
        public String toString() {
            return "Lease from " + pool + (slot.stamp == stamp ? " of " + slot.object : " (closed)");
        }
    }
}
