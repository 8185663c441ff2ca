package cs.resources.internal.pool;

import cs.resources.Pool;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * When an idle object of a pool has expired: its age against {@code maxLifetime}, its idle
 * time against {@code maxIdleTime}, and the user's predicate, all read from the pool's clock in
 * milliseconds. Immutable; the clock and the predicate are user code, so this is never asked while
 * the core's lock is held.
 */
final class Expiry {

    final Clock clock;
    /** In milliseconds; 0 for none. */
    private final long maxLifetime;
    /** In milliseconds; 0 for none. */
    private final long maxIdleTime;
    private final Predicate<? super Pool.PooledInfo> predicate;
    /** Whether any rule is set: else objects never expire and the clock is never read. */
    final boolean enabled;
    /** Whether returns must note their time (an idle-time rule, or a predicate that may ask). */
    final boolean tracksReturns;

    Expiry(Clock clock, Duration maxLifetime, Duration maxIdleTime, Predicate<? super Pool.PooledInfo> predicate) {
        this.clock = clock;
        this.maxLifetime = millis(maxLifetime);
        this.maxIdleTime = millis(maxIdleTime);
        this.predicate = predicate;
        this.enabled = this.maxLifetime > 0 || this.maxIdleTime > 0 || predicate != null;
        this.tracksReturns = this.maxIdleTime > 0 || predicate != null;
    }

    /** A duration in whole milliseconds, at least 1 for a positive one; 0 for null. */
    private static long millis(Duration d) {
        if (d == null) {
            return 0;
        }
        try {
            return Math.max(1, d.toMillis());
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** @return the clock's time, for creation and return stamps; 0 if nothing expires */
    long now() {
        return enabled ? clock.millis() : 0;
    }

    /**
     * @param now the clock's milliseconds
     * @param claimed the slot was just claimed for a lease (its stamp already counts that lease,
     *     which the rule must not see yet); false for the sweep, which looks at idle slots
     * @return whether {@code slot}, idle and about to be leased (or looked at by the sweep), has expired
     * @throws RuntimeException what the clock or the predicate threw (the caller counts it as expired)
     */
    boolean expired(Slot<?> slot, long now, boolean claimed) {
        if (maxLifetime > 0 && now - slot.createdAt() >= maxLifetime) {
            return true;
        }
        if (maxIdleTime > 0 && now - slot.returnedAt() >= maxIdleTime) {
            return true;
        }
        return predicate != null && predicate.test(new Info(slot, now, claimed ? slot.leases() - 1 : slot.leases()));
    }

    /** What the predicate sees: one object at one instant. */
    private record Info(Slot<?> slot, long now, long leases) implements Pool.PooledInfo {
        @Override
        public Duration age() {
            return Duration.ofMillis(Math.max(0, now - slot.createdAt()));
        }

        @Override
        public Duration idleTime() {
            return Duration.ofMillis(Math.max(0, now - slot.returnedAt()));
        }

        @Override
        public long leaseCount() {
            return leases;
        }

        @Override
        public String toString() {
            return "PooledInfo[age " + age() + ", idle " + idleTime() + ", leases " + leaseCount() + "]";
        }
    }
}
