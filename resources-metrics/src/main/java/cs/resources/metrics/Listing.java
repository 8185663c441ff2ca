package cs.resources.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateTree;

/**
 * One reading of the runtime, summed by the tags the meters carry: pools and MultiOpens by name and
 * bundle, live RunStates by name, bundle and state, and the RunStates that have ended (the
 * runtime's history) one by one. Immutable; the meters read their values from the latest one.
 *
 * <p>Two pools (or MultiOpens) with one name in one bundle are one series: their sums.
 *
 * @param pools pool sums by name and bundle, in listing order
 * @param multiOpens MultiOpen sums by class name and bundle
 * @param live live RunStates counted by name, bundle and state
 * @param ended the ended RunStates the runtime lists (its history), with the outcome and run time
 * @param liveIds the ids of the live RunStates
 * @param takenAt {@link System#nanoTime()} when the runtime was read
 * @param endTotals the RunStates that ended since the metrics bundle started, counted once each, by
 *        name, bundle and outcome (only those that happened: each total is at least 1);
 *        {@link Snapshots} fills it in
 */
record Listing(Map<Key, PoolSums> pools, Map<Key, MultiOpenSums> multiOpens, Map<StateKey, Integer> live,
        List<Ended> ended, Set<Long> liveIds, long takenAt, Map<EndKey, EndTotals> endTotals) {

    /** What a series of a pool or a MultiOpen is named by: its name and the bundle that owns it. */
    record Key(String name, String bundle) {
    }

    /** What a series of live RunStates is named by. */
    record StateKey(String name, String bundle, RunState.State state) {
    }

    /** How a RunState ended, as the meters tag it. */
    enum Outcome {
        /** Not cancelled, nothing thrown. */
        COMPLETED,
        /** Cancelled (whatever the body threw while it stopped). */
        CANCELLED,
        /** Not cancelled, and the body threw. */
        FAILED;

        /** @return the tag value */
        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A RunState that has ended: its id (to count it once), its series and its run time. */
    record Ended(long id, String name, String bundle, Outcome outcome, Duration runTime) {
    }

    /** What a series of ended RunStates is named by. */
    record EndKey(String name, String bundle, Outcome outcome) {
    }

    /** How many RunStates of a series ended, and how long they ran in all. */
    record EndTotals(long count, long totalNanos) {

        static final EndTotals NONE = new EndTotals(0, 0);

        EndTotals plus(Duration runTime) {
            return new EndTotals(count + 1, totalNanos + runTime.toNanos());
        }
    }

    /** The sums of the pools of one name and bundle. */
    record PoolSums(int idle, int inUse, int waiting, int cap, boolean capped, long created, long reused, long dropped,
            long expired, long timeouts, long waits, long longLeases, TimesSums waitTimes, TimesSums holdTimes) {

        static final PoolSums NONE = new PoolSums(0, 0, 0, 0, false, 0, 0, 0, 0, 0, 0, 0, TimesSums.NONE, TimesSums.NONE);

        PoolSums plus(PoolInfo info) {
            Pool.Stats s = info.stats();
            boolean hasCap = info.maxTotal() > 0;
            return new PoolSums(idle + s.idle(), inUse + s.inUse(), waiting + s.waiting(), cap + info.maxTotal(),
                    capped || hasCap, created + s.created(), reused + s.reused(), dropped + s.dropped(),
                    expired + s.expired(), timeouts + s.timeouts(), waits + s.waits(), longLeases + s.longLeases(),
                    waitTimes.plus(s.waitTimes()), holdTimes.plus(s.holdTimes()));
        }
    }

    /**
     * A pool's distribution of times ({@link Pool.Times}) in nanoseconds, or the sum of several
     * pools': their counts and totals added, their percentiles and maxima the largest of theirs (a
     * percentile of several distributions is not known from theirs; the largest is an upper bound).
     *
     * @param count how many times were recorded
     * @param totalNanos their sum ({@link Pool.Times#total()})
     * @param p50 the median
     * @param p90 the 90th percentile
     * @param p99 the 99th percentile
     * @param p999 the 99.9th percentile
     * @param max the longest
     */
    record TimesSums(long count, long totalNanos, long p50, long p90, long p99, long p999, long max) {

        static final TimesSums NONE = new TimesSums(0, 0, 0, 0, 0, 0, 0);

        TimesSums plus(Pool.Times t) {
            if (t.count() == 0) {
                return this;
            }
            return new TimesSums(count + t.count(), totalNanos + t.total().toNanos(), Math.max(p50, t.p50().toNanos()),
                    Math.max(p90, t.p90().toNanos()), Math.max(p99, t.p99().toNanos()), Math.max(p999, t.p999().toNanos()),
                    Math.max(max, t.max().toNanos()));
        }
    }

    /** The sums of the MultiOpens of one class name and bundle. */
    record MultiOpenSums(int opens, int open, long startups, long startupFailures, long shutdowns) {

        static final MultiOpenSums NONE = new MultiOpenSums(0, 0, 0, 0, 0);

        MultiOpenSums plus(MultiOpenInfo info) {
            return new MultiOpenSums(opens + info.openCount(), open + (info.phase() == MultiOpenInfo.Phase.OPEN ? 1 : 0),
                    startups + info.startups(), startupFailures + info.startupFailures(), shutdowns + info.shutdowns());
        }
    }

    static final Listing EMPTY = new Listing(Map.of(), Map.of(), Map.of(), List.of(), Set.of(), 0, Map.of());

    /**
     * Reads the runtime once.
     *
     * @param runtime the runtime to read
     * @return its listing
     */
    static Listing of(ResourcesRuntime runtime) {
        return of(runtime.pools(), runtime.multiOpens(), runtime.runStates(false), runtime.runStates(true),
                System.nanoTime());
    }

    /**
     * @param poolInfos the pools
     * @param multiOpenInfos the MultiOpens
     * @param liveInfos the live RunStates ({@code runStates(false)})
     * @param allInfos the live ones and those that ended or left ({@code runStates(true)}): a RunState
     *        that left while running (a service unregistered, a registration closed) is in the
     *        history with its last state, which is a live one; it counts neither as live nor as ended
     * @param takenAt {@link System#nanoTime()} when the runtime was read
     * @return the listing
     */
    static Listing of(List<PoolInfo> poolInfos, List<MultiOpenInfo> multiOpenInfos, List<RunStateInfo> liveInfos,
            List<RunStateInfo> allInfos, long takenAt) {
        Map<Key, PoolSums> pools = new LinkedHashMap<>();
        for (PoolInfo p : poolInfos) {
            pools.merge(new Key(p.name(), p.bundle()), PoolSums.NONE.plus(p), (a, b) -> a.plus(p));
        }
        Map<Key, MultiOpenSums> multiOpens = new LinkedHashMap<>();
        for (MultiOpenInfo m : multiOpenInfos) {
            multiOpens.merge(new Key(m.className(), m.bundle()), MultiOpenSums.NONE.plus(m), (a, b) -> a.plus(m));
        }
        Map<StateKey, Integer> live = new LinkedHashMap<>();
        List<Ended> ended = new ArrayList<>();
        Set<Long> liveIds = new HashSet<>();
        // Children are listed inside their parents' records (and on their own when tracked): each once.
        for (RunStateTree.Node node : RunStateTree.of(liveInfos)) {
            RunStateInfo r = node.info();
            if (r.isLive()) {
                live.merge(new StateKey(r.name(), r.bundle(), r.state()), 1, Integer::sum);
                liveIds.add(r.id());
            }
        }
        for (RunStateTree.Node node : RunStateTree.of(allInfos)) {
            RunStateInfo r = node.info();
            if (!liveIds.contains(r.id()) && (r.state() == RunState.State.CANCELLED || r.state() == RunState.State.STOPPED)) {
                // A cancelled body that threw while it stopped (an interrupted sleep) was cancelled.
                Outcome outcome = r.state() == RunState.State.CANCELLED ? Outcome.CANCELLED
                        : r.failure() != null ? Outcome.FAILED : Outcome.COMPLETED;
                ended.add(new Ended(r.id(), r.name(), r.bundle(), outcome, r.runTime()));
            }
        }
        return new Listing(Map.copyOf(pools), Map.copyOf(multiOpens), Map.copyOf(live), List.copyOf(ended),
                Set.copyOf(liveIds), takenAt, Map.of());
    }

    /**
     * @param totals the ended RunStates counted so far
     * @return this listing with them
     */
    Listing withEndTotals(Map<EndKey, EndTotals> totals) {
        return new Listing(pools, multiOpens, live, ended, liveIds, takenAt, Map.copyOf(totals));
    }

    /** @return the series this listing has: what the meters must be registered for */
    Set<Object> seriesKeys() {
        Set<Object> keys = new HashSet<>();
        pools.forEach((k, sums) -> {
            keys.add(new PoolSeries(k));
            // Hold times only from the first one recorded (Pool.recordHoldTimes): the count never falls.
            if (sums.holdTimes().count() > 0) {
                keys.add(new HoldSeries(k));
            }
        });
        multiOpens.keySet().forEach(k -> keys.add(new MultiOpenSeries(k)));
        keys.addAll(live.keySet());
        keys.addAll(endTotals.keySet());
        return keys;
    }

    /** The series of one pool name and bundle (distinct from a MultiOpen's of the same name). */
    record PoolSeries(Key key) {
    }

    /** The hold times of one pool name and bundle: a series once a hold time is recorded. */
    record HoldSeries(Key key) {
    }

    /** The series of one MultiOpen class name and bundle. */
    record MultiOpenSeries(Key key) {
    }
}
