package cs.resources;

import cs.resources.internal.pool.LeakHooks;
import java.lang.ref.Cleaner;
import java.util.function.Supplier;

/**
 * Leak detection for one {@link Pool}: the engine asks it, per lease, whether
 * {@link LeakDetection} records, and records the lease with the borrower's stack while it does.
 */
final class PoolLeaks implements LeakHooks {

    private final String label;
    private final Supplier<String> detail;
    /** Created on the first record; written under this object's lock (never held while user code runs). */
    private volatile LeakDetection.Holders holders;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    /** What a recorded lease carries, for its end. */
    private record Token(LeakDetection.Holders holders, LeakDetection.Holder holder, Cleaner.Cleanable cleanable) {
    }

    PoolLeaks(String label, Supplier<String> detail) {
        this.label = label;
        this.detail = detail;
    }

    @Override
    public boolean recording() {
        return LeakDetection.enabled;
    }

    @Override
    public Object opened(Pool.Lease<?> lease) {
        LeakDetection.Holders h = holders();
        LeakDetection.Holder holder = LeakDetection.record(h, "lease");
        return new Token(h, holder, LeakDetection.watchLease(lease, h, holder));
    }

    @Override
    public void closed(Object token) {
        Token t = (Token) token;
        LeakDetection.release(t.holders(), t.holder());
        t.cleanable().clean();
    }

    /** @return the leases recorded for this pool, created on first use */
    LeakDetection.Holders holders() {
        LeakDetection.Holders h = holders;
        if (h == null) {
            lock.lock();
            try {
                h = holders;
                if (h == null) {
                    h = holders = new LeakDetection.Holders(label, detail);
                }
            } finally {
                lock.unlock();
            }
        }
        return h;
    }
}
