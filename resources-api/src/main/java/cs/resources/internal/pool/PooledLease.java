package cs.resources.internal.pool;

import cs.resources.ClosedException;
import cs.resources.Pool;

/**
 * A lease of one slot, for one stamp: it is open while the slot's state word is a lease with that
 * stamp ({@link Slot#isLease}), so every check is one volatile read and only the first close (or
 * discard) of it wins the compare-and-set that ends it. Nothing here is shared unless a feature
 * that is off by default (leak detection, hold times, long-lease warnings) records the lease:
 * once the JIT has inlined a plain lease's use, it is usually not allocated at all.
 *
 * @param <T> the type of the pooled object
 */
final class PooledLease<T> implements Pool.Lease<T> {
    final PoolEngine<T> engine;
    final Slot<T> slot;
    final long stamp;
    /** {@link System#nanoTime()} at the lease, when hold times are recorded; else 0. */
    long heldSince;
    /** What leak detection recorded for this lease; else null. */
    Object leakToken;
    /** The pool clock's milliseconds at the lease, when long leases are watched. */
    long leasedAt;
    /** The borrowing thread's name and stack at the lease, when long leases are watched. */
    String thread;
    Throwable stack;
    /** Set by the long-lease watch once it has warned of this lease (only it reads and writes this). */
    boolean warned;

    PooledLease(PoolEngine<T> engine, Slot<T> slot, long stamp) {
        this.engine = engine;
        this.slot = slot;
        this.stamp = stamp;
    }

    boolean isOpen() {
        return Slot.isLease(slot.state(), stamp);
    }

    @Override
    public T get() {
        if (!Slot.isLease(slot.state(), stamp)) {
            throw new ClosedException("get() on a lease from " + engine.label + ": the lease is closed");
        }
        return slot.object;
    }

    @Override
    public void close() {
        engine.close(this, -1);
    }

    @Override
    public void discard() {
        engine.discard(this);
    }

    /** Called once, by the close or discard that ended the lease. */
    void ended() {
        if (heldSince != 0) {
            engine.recordHold(System.nanoTime() - heldSince);
        }
        if (leakToken != null) {
            engine.leakHooks.closed(leakToken);
        }
    }

    @Override
    public String toString() {
        return "Lease from " + engine.label + (Slot.isLease(slot.state(), stamp) ? " of " + slot.object : " (closed)");
    }
}
