package cs.resources.internal.pool;

import cs.resources.Pool;

/**
 * What the engine asks of leak detection, which lives in {@code cs.resources} (its
 * {@code LeakDetection}): whether it records, and a record per lease while it does.
 */
public interface LeakHooks {

    /** @return whether leases are recorded now (one read of a volatile flag) */
    boolean recording();

    /**
     * Records a lease just made, with the borrower's stack.
     *
     * @return what to pass to {@link #closed} when the lease ends
     */
    Object opened(Pool.Lease<?> lease);

    /** The lease recorded as {@code token} ended. */
    void closed(Object token);

    /** Hooks that never record. */
    LeakHooks NONE = new LeakHooks() {
        @Override
        public boolean recording() {
            return false;
        }

        @Override
        public Object opened(Pool.Lease<?> lease) {
            return null;
        }

        @Override
        public void closed(Object token) {
        }
    };
}
