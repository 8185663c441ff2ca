package cs.resources.internal.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The thread-affine cache of a pool: a small, fixed array of cells, each holding at most
 * one slot, that a thread reaches by a hash of its id without touching a line another thread
 * writes. A thread leases from its own cell ({@link #home()}) with one compare-and-set on the
 * slot there, and its lease returns the slot with one more; everything else goes through
 * {@link Core}.
 *
 * <p>The array has as many cells as a few times the processors (at most {@value #MAX_CELLS}),
 * however many threads use the pool, so it never grows with them (there is no
 * {@link ThreadLocal}): threads whose ids hash alike share a cell, and the one that finds the
 * cell's slot leased goes the shared way. Consecutive thread ids, as thread pools make them, fall
 * into consecutive cells. Each cell sits alone in {@value #STRIDE} array elements (64 bytes or
 * more), so that a change to one cell never invalidates another's line.
 *
 * <p>Cells are written only holding {@link Core}'s lock (release stores), and read without it
 * (acquire loads): a thread that reads a cell sees the slot's fields as they were when it was put
 * there. Which slot a cell holds says nothing by itself: the slot's state word decides (see
 * {@link Slot}).
 */
public final class Cells {

    /** Array elements per cell: 16 references are 64 bytes with compressed references, else 128. */
    static final int STRIDE = 16;
    /** The most cells a pool has. */
    public static final int MAX_CELLS = 64;

    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(Object[].class);

    private final Object[] cells;
    private final int mask;

    public Cells(int count) {
        if (Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("cell count must be a power of two, not " + count);
        }
        // One stride of padding before the first cell and after the last.
        this.cells = new Object[(count + 2) * STRIDE];
        this.mask = count - 1;
    }

    /** @return four cells per processor, rounded up to a power of two, between 4 and {@value #MAX_CELLS} */
    public static int defaultCount() {
        int wanted = Math.max(4, Runtime.getRuntime().availableProcessors() * 4);
        return Math.min(MAX_CELLS, Integer.highestOneBit(wanted - 1) << 1);
    }

    /** @return the number of cells */
    int count() {
        return mask + 1;
    }

    /** @return the calling thread's key: its id */
    @SuppressWarnings("deprecation") // Thread.getId(): threadId() is Java 19+; the same number
    static long key() {
        return Thread.currentThread().getId();
    }

    /** @return the first cell of the borrower with this key: consecutive keys, consecutive cells */
    public int primary(long key) {
        return (int) (key ^ key >>> 16) & mask;
    }

    /**
     * @return the cell a borrower uses when another borrower's slot holds its {@link #primary}:
     *     a multiplicative hash of the key, so that keys that collide in one rarely do in the other
     */
    public int secondary(long key) {
        int s = (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 40) & mask;
        return s != primary(key) ? s : next(s);
    }

    /** @return the cell after {@code cell}, wrapping */
    int next(int cell) {
        return cell + 1 & mask;
    }

    @SuppressWarnings("unchecked")
    <T> Slot<T> get(int cell) {
        return (Slot<T>) ELEMENT.getAcquire(cells, (cell + 1) * STRIDE);
    }

    /** Holding {@link Core}'s lock. */
    void set(int cell, Slot<?> slot) {
        ELEMENT.setRelease(cells, (cell + 1) * STRIDE, slot);
    }
}
