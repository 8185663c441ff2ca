package cs.resources.internal.pool;

import cs.resources.Pool;
import java.time.Duration;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.PackedHistogram;
import org.HdrHistogram.Recorder;

/**
 * The counters behind {@link Pool.Stats}: guarded by the core's lock, except the hold-time
 * recorder, which borrowers write without it.
 *
 * <p>Times are kept in HdrHistogram's packed histograms (2 significant digits: each percentile
 * within 1% of the true value; memory in proportion to the values seen, not to their range),
 * made on first use: a pool that never waits and records no hold times carries none. Wait times
 * are recorded holding the lock, where every wait ends; hold times by the closer of each lease
 * into a {@link Recorder} (lock-free, wait-free for writers), whose intervals the readers fold
 * into the total.
 */
final class Counters {

    private static final int DIGITS = 2;

    long created;
    /** Objects created for a borrower (not by prefill): their first lease is not a reuse. */
    long createdForLease;
    long dropped;
    long expired;
    /** Leases of the objects retired so far. */
    long retiredLeases;
    long waits;
    long timeouts;
    long longLeases;
    private long waitsEnded;
    private long waitNanos;
    private long longestWaitNanos;
    /** Every wait that ended; null before the first. */
    private PackedHistogram waitTimes;
    /** Holds recorded and folded in by a reader; null before the first. */
    private PackedHistogram holdTimes;
    /** Where closers record hold times; null until recording starts. Written holding the lock. */
    private volatile Recorder holdRecorder;

    /** Holding the lock: a wait of {@code nanos} ended (with an object or without). */
    void waitEnded(long nanos) {
        waitsEnded++;
        waitNanos += nanos;
        longestWaitNanos = Math.max(longestWaitNanos, nanos);
        if (waitTimes == null) {
            waitTimes = new PackedHistogram(DIGITS);
        }
        waitTimes.recordValue(Math.max(0, nanos));
    }

    /** Holding the lock: starts recording hold times (idempotent). */
    void recordHolds() {
        if (holdRecorder == null) {
            holdRecorder = new Recorder(DIGITS, true);
        }
    }

    /** @return the recorder of hold times, or null when they are not recorded; read without the lock */
    Recorder holdRecorder() {
        return holdRecorder;
    }

    /** Holding the lock: the counters now, with the figures only the core knows. */
    Pool.Stats stats(int idle, int inUse, long leasesOfRegistered, int waiting) {
        Recorder r = holdRecorder;
        if (r != null) {
            AbstractHistogram interval = r.getIntervalHistogram();
            if (interval.getTotalCount() > 0) {
                if (holdTimes == null) {
                    holdTimes = new PackedHistogram(DIGITS);
                }
                holdTimes.add(interval);
            }
        }
        long leases = retiredLeases + leasesOfRegistered;
        return new Pool.Stats(created, Math.max(0, leases - createdForLease), dropped, idle, inUse, waits, timeouts,
                expired, waiting, Duration.ofNanos(longestWaitNanos),
                waitsEnded == 0 ? Duration.ZERO : Duration.ofNanos(waitNanos / waitsEnded), longLeases,
                times(waitTimes), times(holdTimes));
    }

    private static Pool.Times times(AbstractHistogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return Pool.Times.NONE;
        }
        return new Pool.Times(h.getTotalCount(), Duration.ofNanos(Math.round(h.getMean())), at(h, 50), at(h, 90),
                at(h, 99), at(h, 99.9), Duration.ofNanos(h.getMaxValue()));
    }

    private static Duration at(AbstractHistogram h, double percentile) {
        return Duration.ofNanos(h.getValueAtPercentile(percentile));
    }
}
