package cs.resources.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.util.TimeUtils;

import cs.resources.metrics.Listing.EndKey;
import cs.resources.metrics.Listing.EndTotals;
import cs.resources.metrics.Listing.HoldSeries;
import cs.resources.metrics.Listing.Key;
import cs.resources.metrics.Listing.MultiOpenSeries;
import cs.resources.metrics.Listing.MultiOpenSums;
import cs.resources.metrics.Listing.PoolSeries;
import cs.resources.metrics.Listing.PoolSums;
import cs.resources.metrics.Listing.StateKey;
import cs.resources.metrics.Listing.TimesSums;

/**
 * The meters of one runtime in one {@link MeterRegistry}. The gauges and function counters read the
 * latest {@link Listing} when the registry asks (at a scrape, at a push): nothing is counted as it
 * happens, so nothing is added to a lease, an open or a RunState's fast path. {@link #follow}
 * registers the meters of the series a listing has and removes those of the series it no longer
 * has (but the counts of ended RunStates, which {@link Snapshots} keeps: they stay).
 *
 * <p>Not thread-safe: {@link #follow} and {@link #close} run in one thread (the metrics
 * component's); the meters' functions run in the registry's threads and read only the snapshots.
 */
final class ResourceMeters {

    /** The percentiles of the pools' distributions ({@link cs.resources.Pool.Times}) and their tag values. */
    private static final List<Map.Entry<String, ToDoubleFunction<TimesSums>>> PERCENTILES = List.of(
            Map.entry("0.5", TimesSums::p50), Map.entry("0.9", TimesSums::p90), Map.entry("0.99", TimesSums::p99),
            Map.entry("0.999", TimesSums::p999));

    private final MeterRegistry registry;
    private final Supplier<Listing> latest;
    /** The meters of each series: registered by {@link #follow}, removed when the series goes. */
    private final Map<Object, List<Meter>> meters = new HashMap<>();

    /**
     * @param registry where the meters go
     * @param latest the latest listing, for the meters' functions
     */
    ResourceMeters(MeterRegistry registry, Supplier<Listing> latest) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.latest = Objects.requireNonNull(latest, "latest");
    }

    MeterRegistry registry() {
        return registry;
    }

    /**
     * Makes the meters follow a listing.
     *
     * @param listing the runtime, as just read
     */
    void follow(Listing listing) {
        Set<Object> series = listing.seriesKeys();
        for (Object key : series) {
            if (!meters.containsKey(key)) {
                meters.put(key, register(key));
            }
        }
        for (var it = meters.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            // The counts of ended RunStates stay: a counter that vanished would read as a reset.
            if (!series.contains(e.getKey()) && !(e.getKey() instanceof EndKey)) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
    }

    /** Removes every meter this registered. */
    void close() {
        meters.values().forEach(list -> list.forEach(registry::remove));
        meters.clear();
    }

    private List<Meter> register(Object key) {
        if (key instanceof PoolSeries p) {
            return pool(p.key());
        }
        if (key instanceof HoldSeries h) {
            return times(Names.POOL_HOLD, "How long leases were held (while the pool records it)", h.key(),
                    PoolSums::holdTimes);
        }
        if (key instanceof MultiOpenSeries m) {
            return multiOpen(m.key());
        }
        if (key instanceof EndKey k) {
            return ended(k);
        }
        if (key instanceof StateKey s) {
            return List.of(Gauge.builder(Names.RUNSTATES_LIVE, s, k -> latest.get().live().getOrDefault(k, 0))
                    .description("Live RunStates (pending, running, paused, stopping), by state")
                    .tags(Names.NAME, s.name(), Names.BUNDLE, s.bundle(), Names.STATE, s.state().name().toLowerCase(java.util.Locale.ROOT))
                    .strongReference(true).register(registry));
        }
        throw new IllegalArgumentException("not a series key: " + key);
    }

    private List<Meter> ended(EndKey key) {
        Tags tags = Tags.of(Names.NAME, key.name(), Names.BUNDLE, key.bundle(), Names.OUTCOME, key.outcome().tag());
        return List.of(
                FunctionCounter.builder(Names.RUNSTATES_ENDED, key, k -> totals(k).count())
                        .description("RunStates that ended, by outcome (completed, cancelled, failed)").tags(tags)
                        .register(registry),
                FunctionTimer.builder(Names.RUNSTATES_RUN_TIME, key, k -> totals(k).count(), k -> totals(k).totalNanos(),
                        TimeUnit.NANOSECONDS).description("How long the RunStates that ended ran (their last run)")
                        .tags(tags).register(registry));
    }

    private EndTotals totals(EndKey key) {
        return latest.get().endTotals().getOrDefault(key, EndTotals.NONE);
    }

    private List<Meter> pool(Key key) {
        Tags tags = Tags.of(Names.NAME, key.name(), Names.BUNDLE, key.bundle());
        List<Meter> list = new ArrayList<>();
        list.add(poolGauge(Names.POOL_IDLE, "Idle objects", key, tags, PoolSums::idle));
        list.add(poolGauge(Names.POOL_IN_USE, "Objects leased", key, tags, PoolSums::inUse));
        list.add(poolGauge(Names.POOL_WAITING, "Borrowers waiting at the cap", key, tags, PoolSums::waiting));
        list.add(poolGauge(Names.POOL_CAP, "The cap (maxTotal); NaN when the pool has none", key, tags,
                s -> s.capped() ? s.cap() : Double.NaN));
        list.add(poolCounter(Names.POOL_CREATIONS, "Objects made", key, tags, PoolSums::created));
        list.add(poolCounter(Names.POOL_REUSES, "Leases served by an idle object", key, tags, PoolSums::reused));
        list.add(poolCounter(Names.POOL_DROPS, "Objects disposed of on return (invalid, over the bounds, evicted)", key, tags,
                PoolSums::dropped));
        list.add(poolCounter(Names.POOL_EXPIRATIONS, "Objects disposed of as expired", key, tags, PoolSums::expired));
        list.add(poolCounter(Names.POOL_WAITS, "Leases that waited at the cap", key, tags, PoolSums::waits));
        list.add(poolCounter(Names.POOL_TIMEOUTS, "Leases that timed out at the cap", key, tags, PoolSums::timeouts));
        list.add(poolCounter(Names.POOL_LONG_LEASES, "Leases found held past the long-lease warning", key, tags,
                PoolSums::longLeases));
        list.addAll(times(Names.POOL_WAIT, "How long leases waited at the cap", key, PoolSums::waitTimes));
        return list;
    }

    /**
     * A timer from a pool's own distribution, as Micrometer shows a timer with client-side
     * percentiles: a function timer (count, total) and, beside it, gauges {@code <name>.percentile}
     * tagged {@code phi} and a gauge {@code <name>.max}, in the timer's base unit (the registry's
     * base time unit: seconds in Prometheus).
     */
    private List<Meter> times(String name, String description, Key key, Function<PoolSums, TimesSums> times) {
        Tags tags = Tags.of(Names.NAME, key.name(), Names.BUNDLE, key.bundle());
        List<Meter> list = new ArrayList<>();
        // A series gone from the listing reads NaN: a count of 0.
        FunctionTimer timer = FunctionTimer.builder(name, key, k -> (long) poolTimes(k, times, TimesSums::count),
                k -> poolTimes(k, times, TimesSums::totalNanos), TimeUnit.NANOSECONDS).description(description)
                .tags(tags).register(registry);
        list.add(timer);
        TimeUnit unit = timer.baseTimeUnit();
        String baseUnit = timer.getId().getBaseUnit();
        for (Map.Entry<String, ToDoubleFunction<TimesSums>> p : PERCENTILES) {
            list.add(Gauge.builder(name + Names.PERCENTILE, key,
                    k -> TimeUtils.nanosToUnit(poolTimes(k, times, p.getValue()), unit))
                    .description(description + ": percentile " + p.getKey()).tags(tags).tag(Names.PHI, p.getKey())
                    .baseUnit(baseUnit).strongReference(true).register(registry));
        }
        list.add(Gauge.builder(name + Names.MAX, key, k -> TimeUtils.nanosToUnit(poolTimes(k, times, TimesSums::max), unit))
                .description(description + ": the longest").tags(tags).baseUnit(baseUnit).strongReference(true)
                .register(registry));
        return list;
    }

    private double poolTimes(Key key, Function<PoolSums, TimesSums> times, ToDoubleFunction<TimesSums> value) {
        PoolSums s = latest.get().pools().get(key);
        return s == null ? Double.NaN : value.applyAsDouble(times.apply(s));
    }

    private Meter poolGauge(String name, String description, Key key, Tags tags, ToDoubleFunction<PoolSums> value) {
        return Gauge.builder(name, key, k -> {
            PoolSums s = latest.get().pools().get(k);
            return s == null ? Double.NaN : value.applyAsDouble(s);
        }).description(description).tags(tags).strongReference(true).register(registry);
    }

    private Meter poolCounter(String name, String description, Key key, Tags tags, ToDoubleFunction<PoolSums> value) {
        // The key stays referenced from this.meters as long as the meter is registered.
        return FunctionCounter.builder(name, key, k -> {
            PoolSums s = latest.get().pools().get(k);
            return s == null ? Double.NaN : value.applyAsDouble(s);
        }).description(description).tags(tags).register(registry);
    }

    private List<Meter> multiOpen(Key key) {
        Tags tags = Tags.of(Names.NAME, key.name(), Names.BUNDLE, key.bundle());
        List<Meter> list = new ArrayList<>();
        list.add(Gauge.builder(Names.MULTIOPEN_OPENS, key, k -> {
            MultiOpenSums s = latest.get().multiOpens().get(k);
            return s == null ? Double.NaN : s.opens();
        }).description("Opens held (the MultiOpen's count)").tags(tags).strongReference(true).register(registry));
        list.add(multiOpenCounter(Names.MULTIOPEN_STARTUPS, "Startups that succeeded", key, tags, MultiOpenSums::startups));
        list.add(multiOpenCounter(Names.MULTIOPEN_STARTUP_FAILURES, "Startups that threw", key, tags,
                MultiOpenSums::startupFailures));
        list.add(multiOpenCounter(Names.MULTIOPEN_SHUTDOWNS, "Shutdowns that ran", key, tags, MultiOpenSums::shutdowns));
        return list;
    }

    private Meter multiOpenCounter(String name, String description, Key key, Tags tags,
            ToDoubleFunction<MultiOpenSums> value) {
        return FunctionCounter.builder(name, key, k -> {
            MultiOpenSums s = latest.get().multiOpens().get(k);
            return s == null ? Double.NaN : value.applyAsDouble(s);
        }).description(description).tags(tags).register(registry);
    }
}
