package cs.resources.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import cs.resources.metrics.Listing.EndKey;
import cs.resources.metrics.Listing.EndTotals;
import cs.resources.metrics.Listing.Ended;

/**
 * The latest {@link Listing}, read again when it is older than {@code maxAgeNanos}: the meters of
 * one scrape (or one push) read one listing, and the runtime is read at most once per
 * {@code maxAgeNanos} however many meters and registries ask. The runtime is read without a lock:
 * two threads that find the listing stale may both read it; the newer listing wins.
 *
 * <p>It also counts the RunStates that ended, once each (by id), into totals by name, bundle and
 * outcome that every listing carries: a scrape that reads the listing in which a RunState first
 * shows as ended already counts it. A name, bundle and outcome has a total from its first end on
 * (none before: no zero series for outcomes that never happened). An id is forgotten once it is neither ended nor live in a
 * listing (it left the runtime's history), or live again (its next end counts again). The counting
 * takes a lock around this class's own maps only.
 */
final class Snapshots {

    private final Supplier<Listing> source;
    private final long maxAgeNanos;
    private final Runnable onRead;
    private final AtomicReference<Listing> latest = new AtomicReference<>(Listing.EMPTY);
    private final Object lock = new Object();
    /** Guarded by lock: the ended ids counted, and the totals. */
    private final Set<Long> counted = new HashSet<>();
    private final Map<EndKey, EndTotals> totals = new HashMap<>();

    /**
     * @param source reads the runtime
     * @param maxAgeNanos how old a listing may be and still be used
     * @param onRead called (without a lock) after each new reading, to have the meters follow it
     */
    Snapshots(Supplier<Listing> source, long maxAgeNanos, Runnable onRead) {
        this.source = Objects.requireNonNull(source, "source");
        if (maxAgeNanos < 0) {
            throw new IllegalArgumentException("maxAgeNanos must not be negative, not " + maxAgeNanos);
        }
        this.maxAgeNanos = maxAgeNanos;
        this.onRead = Objects.requireNonNull(onRead, "onRead");
    }

    /** @return a listing no older than the maximum age (read now if the last one is older) */
    Listing latest() {
        Listing l = latest.get();
        if (l != Listing.EMPTY && System.nanoTime() - l.takenAt() <= maxAgeNanos) {
            return l;
        }
        return read();
    }

    /** @return a listing read now */
    Listing read() {
        Listing fresh = count(source.get());
        Listing kept = latest.accumulateAndGet(fresh,
                (current, candidate) -> current == Listing.EMPTY || candidate.takenAt() - current.takenAt() >= 0 ? candidate : current);
        onRead.run();
        return kept;
    }

    private Listing count(Listing fresh) {
        synchronized (lock) {
            // Two threads may read at once: a reading older than the last one counted counts nothing
            // (it could show as live again a RunState already counted as ended).
            if (lastCounted != Long.MIN_VALUE && fresh.takenAt() - lastCounted < 0) {
                return fresh.withEndTotals(totals);
            }
            lastCounted = fresh.takenAt();
            Set<Long> endedIds = new HashSet<>();
            for (Ended e : fresh.ended()) {
                endedIds.add(e.id());
                if (counted.add(e.id())) {
                    totals.merge(new EndKey(e.name(), e.bundle(), e.outcome()), EndTotals.NONE.plus(e.runTime()),
                            (a, b) -> a.plus(e.runTime()));
                }
            }
            counted.retainAll(endedIds); // gone from the history for good, or live again
            return fresh.withEndTotals(totals);
        }
    }

    /** Guarded by lock: when the last reading counted was taken ({@link Long#MIN_VALUE}: none yet). */
    private long lastCounted = Long.MIN_VALUE;

    /** @return the last listing read, however old (empty before the first) */
    Listing last() {
        return latest.get();
    }
}
