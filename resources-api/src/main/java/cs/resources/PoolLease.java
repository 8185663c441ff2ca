package cs.resources;

import java.lang.ref.Cleaner;

/**
 * A lease of one slot of a {@link Pool}, for one stamp: it is open while the slot's state word is
 * a lease with that stamp ({@link PoolSlot#isLease}), so every check is one volatile read and only
 * the first close (or discard) of it wins the compare-and-set that ends it. Nothing here is
 * shared: once the JIT has inlined a lease's use, it is usually not allocated at all.
 *
 * @param <T> the type of the pooled object
 */
final class PoolLease<T> implements Pool.Lease<T> {
    final PoolEngine<T> engine;
    final PoolSlot<T> slot;
    final long stamp;
    /** Set by {@link #track} when leak detection records this lease; else null. */
    private LeakDetection.Holders holders;
    private LeakDetection.Holder holder;
    private Cleaner.Cleanable cleanable;

    PoolLease(PoolEngine<T> engine, PoolSlot<T> slot, long stamp) {
        this.engine = engine;
        this.slot = slot;
        this.stamp = stamp;
    }

    @Override
    public T get() {
        if (!PoolSlot.isLease(slot.state(), stamp)) {
            throw new ClosedException("get() on a lease from " + engine.label + ": the lease is closed");
        }
        return slot.object;
    }

    @Override
    public void close() {
        engine.close(this);
    }

    /** {@link #close()} by the borrower with key {@code cell}, pinned to that cell (for tests). */
    void closeIn(int cell) {
        engine.close(this, cell);
    }

    @Override
    public void discard() {
        engine.discard(this);
    }

    void track(LeakDetection.Holders h) {
        holders = h;
        holder = LeakDetection.record(h, "lease");
        cleanable = LeakDetection.watchLease(this, h, holder);
    }

    /** Called once, by the close or discard that ended the lease. */
    void ended() {
        if (holder != null) {
            LeakDetection.release(holders, holder);
            cleanable.clean();
        }
    }

    @Override
    public String toString() {
        return "Lease from " + engine.label + (PoolSlot.isLease(slot.state(), stamp) ? " of " + slot.object : " (closed)");
    }
}
