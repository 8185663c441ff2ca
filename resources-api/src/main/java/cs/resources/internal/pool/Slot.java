package cs.resources.internal.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One object of a pool and its state word: what the lock-free paths of the pool agree on.
 *
 * <p>The state is one {@code long}: a kind in the low three bits and a stamp above them. Every
 * lease takes a fresh stamp (one more than the last), so a state word never repeats in a slot's
 * life, and a compare-and-set made with a stale word (a second close of a lease, a claim through
 * a cell the slot has since left) always fails. The kinds, and who may change them:
 *
 * <ul>
 *   <li>{@link #IDLE}: idle on the shared stack of {@link Core}; changed only holding its lock.</li>
 *   <li>{@link #CELL}: idle, held by the cell {@link #cell} of {@link Cells}; claimed by
 *       compare-and-set, by any thread, with or without the lock.</li>
 *   <li>{@link #CELL_LEASED}: leased from its cell, which still holds it and so keeps its place
 *       under the idle bound; its lease returns it with one compare-and-set back to {@code CELL};
 *       {@link Core} may take that place away (compare-and-set to {@code LEASED}) holding its
 *       lock.</li>
 *   <li>{@link #LEASED}: leased, held by no cell; its close goes through {@link Core}.</li>
 *   <li>{@link #RETURNING}: a close of a {@code LEASED} slot won the compare-and-set and owns it
 *       until {@link Core} places it.</li>
 *   <li>{@link #CELL_RETURNING}: a close of a {@code CELL_LEASED} slot that must validate it or
 *       note the time won the compare-and-set, and owns it while it does; it then puts it back
 *       with one more ({@code CELL}), unless {@link Core} took the cell's place meanwhile
 *       (compare-and-set to {@code RETURNING}, holding its lock).</li>
 *   <li>{@link #DEAD}: let go of; never leased again (counted against the cap until disposed of).</li>
 * </ul>
 *
 * <p>The stamp counts the leases: it grows by one at each lease and at nothing else, so
 * {@link #leases()} is the stamp, and a lease writes nothing but the state word.
 *
 * <p>No padding: only the slots that sit in cells (at most {@link Cells#MAX_CELLS}) are written
 * without the lock, and a slot is 48 bytes (with compressed references), so two slots' state
 * words are never on one 64-byte line unless the slots were made side by side in one thread's
 * allocation buffer and then used by two threads (possible with prefill; not with objects made by
 * the threads that use them). Idle objects on the stack are written only holding the lock.
 * {@link TimedSlot} adds the creation and return times, for pools that expire objects.
 *
 * @param <T> the type of the pooled object
 */
sealed class Slot<T> extends SlotState implements Grant permits TimedSlot {

    /** Idle on the shared stack. */
    static final int IDLE = 1;
    /** Idle in its cell. */
    static final int CELL = 2;
    /** Leased; its cell still holds it. */
    static final int CELL_LEASED = 3;
    /** Leased; no cell holds it. */
    static final int LEASED = 4;
    /** Its lease is being closed through the shared path. */
    static final int RETURNING = 5;
    /** Let go of: being disposed of, or gone. */
    static final int DEAD = 6;
    /** Its lease was ended by a close that is still checking it (validator, clock); its cell still holds it. */
    static final int CELL_RETURNING = 7;

    private static final int KIND_BITS = 3;
    private static final long KIND_MASK = (1L << KIND_BITS) - 1;

    /** The pooled object. */
    final T object;
    /** Its position in {@link Core}'s registry. Guarded by {@link Core}'s lock. */
    int index = -1;
    /**
     * The cell that holds it, or -1. Guarded by {@link Core}'s lock; non-negative exactly while
     * the kind is {@code CELL} or {@code CELL_LEASED} (and briefly {@code DEAD}, until retired).
     */
    int cell = -1;
    /**
     * Set by {@code evictAll()} (and by a cap lowered below the objects that exist) on an object in
     * use: it is let go of when it comes back instead of being kept. Guarded by {@link Core}'s lock.
     */
    boolean doomed;
    /**
     * The lease a long-lease watch looks at ({@link LongLeases}), set by the borrower after its
     * claim when the pool warns of long leases, read by the watch; a stale one (its lease closed)
     * is ignored. Null when the pool does not watch.
     */
    volatile PooledLease<T> watched;

    Slot(T object, long initialState) {
        super(initialState);
        this.object = object;
    }

    /** @return a slot for {@code object}: with its times when {@code timed} (the pool expires objects) */
    static <T> Slot<T> of(T object, long createdAt, long initialState, boolean timed) {
        return timed ? new TimedSlot<>(object, createdAt, initialState) : new Slot<>(object, initialState);
    }

    /** @return the leases it has had: its stamp */
    final long leases() {
        return stamp(state());
    }

    /** @return when it was made, in the pool clock's milliseconds; 0 unless {@link TimedSlot} */
    long createdAt() {
        return 0;
    }

    /** @return when it was last returned (or made), in the pool clock's milliseconds; 0 unless {@link TimedSlot} */
    long returnedAt() {
        return 0;
    }

    /** Notes a return's time (by the closer of its lease, before the write that makes it idle); only {@link TimedSlot} keeps it. */
    void setReturnedAt(long millis) {
    }

    static int kind(long state) {
        return (int) (state & KIND_MASK);
    }

    static long stamp(long state) {
        return state >>> KIND_BITS;
    }

    static long word(long stamp, int kind) {
        return stamp << KIND_BITS | kind;
    }

    /** @return whether {@code state} is a lease with this stamp (from a cell or not) */
    static boolean isLease(long state, long stamp) {
        int k = kind(state);
        return stamp(state) == stamp && (k == CELL_LEASED || k == LEASED);
    }

    /** @return whether {@code state} is a slot out with a borrower: leased, or its close still under way */
    static boolean isOut(long state) {
        int k = kind(state);
        return k == CELL_LEASED || k == LEASED || k == RETURNING || k == CELL_RETURNING;
    }

    @Override
    public String toString() {
        return "slot " + index + " (" + kindName(kind(state())) + ", stamp " + stamp(state()) + ") of " + object;
    }

    static String kindName(int kind) {
        return switch (kind) {
            case IDLE -> "IDLE";
            case CELL -> "CELL";
            case CELL_LEASED -> "CELL_LEASED";
            case LEASED -> "LEASED";
            case RETURNING -> "RETURNING";
            case DEAD -> "DEAD";
            case CELL_RETURNING -> "CELL_RETURNING";
            default -> "?" + kind;
        };
    }
}

/** The fields the lock-free paths read and write: the state word and the owner. */
abstract class SlotState {
    private static final VarHandle STATE;
    private static final VarHandle OWNER;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(SlotState.class, "state", long.class);
            OWNER = lookup.findVarHandle(SlotState.class, "owner", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** See {@link Slot}. */
    private volatile long state;
    /**
     * The borrower (a thread id) whose cell holds this slot: a fast lease takes a cell's slot only
     * if it is the caller's, so that two threads whose cells collide do not take each other's.
     * Written (opaque) holding the core's lock when the slot moves into a cell; read (opaque) by
     * fast leases, for which a stale value only means the shared path.
     */
    private long owner = -1;

    SlotState(long state) {
        this.state = state;
    }

    final long state() {
        return state;
    }

    final boolean cas(long expected, long update) {
        return STATE.compareAndSet(this, expected, update);
    }

    /** A volatile write: only for a thread that owns the slot (holding the pool's lock where that matters). */
    final void setState(long update) {
        state = update;
    }

    final long owner() {
        return (long) OWNER.getOpaque(this);
    }

    final void setOwner(long key) {
        OWNER.setOpaque(this, key);
    }
}

/**
 * A slot of a pool that expires objects: with the time it was made and last returned, in the
 * pool clock's milliseconds.
 *
 * @param <T> the type of the pooled object
 */
final class TimedSlot<T> extends Slot<T> {
    private static final VarHandle RETURNED_AT;

    static {
        try {
            RETURNED_AT = MethodHandles.lookup().findVarHandle(TimedSlot.class, "returnedAt", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long createdAt;
    /**
     * Written by the closer of its lease before the compare-and-set (or the lock) that makes it
     * idle, which publishes it; read by whoever then claims it or sweeps it.
     */
    @SuppressWarnings("unused") // through RETURNED_AT
    private long returnedAt;

    TimedSlot(T object, long createdAt, long initialState) {
        super(object, initialState);
        this.createdAt = createdAt;
        this.returnedAt = createdAt;
    }

    @Override
    long createdAt() {
        return createdAt;
    }

    @Override
    long returnedAt() {
        return (long) RETURNED_AT.getOpaque(this);
    }

    @Override
    void setReturnedAt(long millis) {
        RETURNED_AT.setOpaque(this, millis);
    }
}
