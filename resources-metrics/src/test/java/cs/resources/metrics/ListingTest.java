package cs.resources.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * One reading of the runtime, summed by the meters' tags, and the meters that follow readings:
 * series registered and removed, ended RunStates counted once.
 */
class ListingTest {

    private static PoolInfo pool(long id, String name, String bundle, int maxTotal, int idle, int inUse, long created) {
        return new PoolInfo(id, name, 1, bundle, 4, maxTotal, false,
                new Pool.Stats(created, 0, 0, idle, inUse, 0, 0, 0, 0, Duration.ZERO, Duration.ZERO));
    }

    private static Pool.Times times(long count, long meanMs, long p50Ms, long p90Ms, long p99Ms, long p999Ms, long maxMs) {
        return new Pool.Times(count, Duration.ofMillis(meanMs), Duration.ofMillis(p50Ms), Duration.ofMillis(p90Ms),
                Duration.ofMillis(p99Ms), Duration.ofMillis(p999Ms), Duration.ofMillis(maxMs));
    }

    private static PoolInfo timedPool(long id, String name, long longLeases, Pool.Times waits, Pool.Times holds) {
        return new PoolInfo(id, name, 1, "b", 4, 2, false, new Pool.Stats(3, 5, 0, 1, 1, waits.count(), 0, 0, 0,
                waits.max(), waits.mean(), longLeases, waits, holds));
    }

    private static MultiOpenInfo multiOpen(long id, int opens, long startups, long failures, long shutdowns) {
        return new MultiOpenInfo(id, "M", 1, "b", opens, MultiOpenInfo.Phase.OPEN, List.of(), List.of(), true, false, null,
                startups, failures, shutdowns);
    }

    private static RunStateInfo runState(long id, String name, RunState.State state, String failure) {
        return new RunStateInfo(id, name, state, 1, "b", Instant.EPOCH, Duration.ofSeconds(id), RunStateInfo.Source.TASK,
                new RunState.Progress(0, 0, ""), null, 0, failure, List.of());
    }

    @Test
    void poolsOfOneNameAndBundleAreOneSeries() {
        Listing l = Listing.of(List.of(pool(1, "p", "b", 3, 1, 2, 5), pool(2, "p", "b", 0, 2, 0, 7), pool(3, "p", "c", 0, 0, 0, 0)),
                List.of(), List.of(), List.of(), 0);
        Listing.PoolSums sums = l.pools().get(new Listing.Key("p", "b"));
        assertThat(sums.idle()).isEqualTo(3);
        assertThat(sums.inUse()).isEqualTo(2);
        assertThat(sums.created()).isEqualTo(12);
        assertThat(sums.capped()).isTrue();
        assertThat(l.pools()).containsKey(new Listing.Key("p", "c"));
        assertThat(l.pools().get(new Listing.Key("p", "c")).capped()).isFalse();
    }

    @Test
    void liveRunStatesAreCountedByStateAndEndedOnesByOutcome() {
        List<RunStateInfo> live = List.of(runState(1, "t", RunState.State.RUNNING, null),
                runState(2, "t", RunState.State.RUNNING, null), runState(3, "t", RunState.State.PAUSED, null));
        List<RunStateInfo> all = new java.util.ArrayList<>(live);
        all.add(runState(4, "t", RunState.State.CANCELLED, "java.lang.InterruptedException: sleep interrupted"));
        all.add(runState(5, "t", RunState.State.STOPPED, "java.lang.IllegalStateException: no"));
        all.add(runState(6, "t", RunState.State.STOPPED, null));
        // Left while running (a registration closed): in the history with a live state; neither.
        all.add(runState(7, "gone", RunState.State.RUNNING, null));
        Listing l = Listing.of(List.of(), List.of(), live, all, 0);
        assertThat(l.live()).containsExactlyInAnyOrderEntriesOf(Map.of(
                new Listing.StateKey("t", "b", RunState.State.RUNNING), 2,
                new Listing.StateKey("t", "b", RunState.State.PAUSED), 1));
        assertThat(l.ended()).extracting(Listing.Ended::id, Listing.Ended::outcome).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(4L, Listing.Outcome.CANCELLED),
                org.assertj.core.groups.Tuple.tuple(5L, Listing.Outcome.FAILED),
                org.assertj.core.groups.Tuple.tuple(6L, Listing.Outcome.COMPLETED));
    }

    @Test
    void metersFollowTheReadingsAndCountEachEndOnce() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Listing[] runtime = {Listing.EMPTY};
        Snapshots snapshots = new Snapshots(() -> runtime[0], 0, () -> { });
        ResourceMeters meters = new ResourceMeters(registry, snapshots::last);

        List<RunStateInfo> running = List.of(runState(1, "t", RunState.State.RUNNING, null));
        runtime[0] = Listing.of(List.of(pool(1, "p", "b", 0, 1, 0, 1)), List.of(new MultiOpenInfo(9, "M", 1, "b", 2,
                MultiOpenInfo.Phase.OPEN)), running, running, System.nanoTime());
        meters.follow(snapshots.read());
        assertThat(registry.get("cs.resources.pool.idle").tags("name", "p", "bundle", "b").gauge().value()).isEqualTo(1);
        assertThat(registry.get("cs.resources.pool.cap").tags("name", "p").gauge().value()).as("no cap").isNaN();
        assertThat(registry.get("cs.resources.multiopen.opens").tags("name", "M").gauge().value()).isEqualTo(2);
        assertThat(registry.get("cs.resources.runstates.live").tags("name", "t", "state", "running").gauge().value())
                .isEqualTo(1);
        assertThat(registry.find("cs.resources.runstates.ended").meters()).as("no series before the first end").isEmpty();
        assertThat(registry.find("cs.resources.runstates.run.time").meters()).as("no series before the first end").isEmpty();

        // It ended, cancelled; the pool went. The reading that first lists it ended counts it; the
        // meters that follow that reading have the outcome's series, at 1; the live series and the
        // pool's meters go.
        List<RunStateInfo> ended = List.of(runState(1, "t", RunState.State.CANCELLED, null));
        runtime[0] = Listing.of(List.of(), List.of(), List.of(), ended, System.nanoTime());
        Listing first = snapshots.read();
        assertThat(first.endTotals()).containsOnlyKeys(new Listing.EndKey("t", "b", Listing.Outcome.CANCELLED));
        meters.follow(first);
        assertThat(ended(registry, "cancelled")).isEqualTo(1);
        meters.follow(snapshots.read());
        meters.follow(snapshots.read());
        assertThat(registry.find("cs.resources.pool.idle").gauges()).isEmpty();
        assertThat(registry.find("cs.resources.runstates.live").gauges()).isEmpty();
        assertThat(ended(registry, "cancelled")).as("once, however many readings show it").isEqualTo(1);
        assertThat(registry.find("cs.resources.runstates.ended").tags("outcome", "completed").meters())
                .as("an outcome that never happened has no series").isEmpty();
        assertThat(registry.find("cs.resources.runstates.ended").meters()).hasSize(1);
        assertThat(registry.find("cs.resources.runstates.run.time").meters()).hasSize(1);
        assertThat(registry.get("cs.resources.runstates.run.time").tags("name", "t", "outcome", "cancelled").functionTimer()
                .totalTime(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);

        // It runs again (same id) and ends again: a second end.
        runtime[0] = Listing.of(List.of(), List.of(), running, running, System.nanoTime());
        meters.follow(snapshots.read());
        runtime[0] = Listing.of(List.of(), List.of(), List.of(), ended, System.nanoTime());
        meters.follow(snapshots.read());
        assertThat(ended(registry, "cancelled")).isEqualTo(2);

        // A reading older than one already counted (another thread's) counts nothing.
        long old = System.nanoTime() - 1_000_000_000L;
        runtime[0] = Listing.of(List.of(), List.of(), running, running, old);
        snapshots.read();
        runtime[0] = Listing.of(List.of(), List.of(), List.of(), ended, System.nanoTime());
        meters.follow(snapshots.read());
        assertThat(ended(registry, "cancelled")).as("not counted again").isEqualTo(2);

        meters.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void timesOfPoolsOfOneNameAndBundleAddTheirCountsAndTakeTheLargestPercentiles() {
        Listing l = Listing.of(List.of(timedPool(1, "p", 2, times(4, 10, 5, 20, 30, 40, 50), Pool.Times.NONE),
                timedPool(2, "p", 1, times(6, 20, 8, 9, 60, 61, 62), times(2, 3, 3, 3, 3, 3, 4))), List.of(), List.of(),
                List.of(), 0);
        Listing.PoolSums sums = l.pools().get(new Listing.Key("p", "b"));
        assertThat(sums.longLeases()).isEqualTo(3);
        assertThat(sums.waitTimes()).isEqualTo(new Listing.TimesSums(10, 160_000_000L, 8_000_000L, 20_000_000L,
                60_000_000L, 61_000_000L, 62_000_000L));
        assertThat(sums.holdTimes()).isEqualTo(new Listing.TimesSums(2, 6_000_000L, 3_000_000L, 3_000_000L, 3_000_000L,
                3_000_000L, 4_000_000L));
        assertThat(l.seriesKeys()).contains(new Listing.HoldSeries(new Listing.Key("p", "b")));
    }

    @Test
    void waitAndHoldTimesAreTimersWithPercentileGaugesAndLongLeasesAndMultiOpenCyclesAreCounted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Listing[] runtime = {Listing.EMPTY};
        Snapshots snapshots = new Snapshots(() -> runtime[0], 0, () -> { });
        ResourceMeters meters = new ResourceMeters(registry, snapshots::last);

        // Waited, no hold time recorded yet: the wait timer, no hold meters.
        runtime[0] = Listing.of(List.of(timedPool(1, "p", 2, times(4, 10, 5, 20, 30, 40, 50), Pool.Times.NONE)),
                List.of(multiOpen(9, 1, 3, 2, 2)), List.of(), List.of(), System.nanoTime());
        meters.follow(snapshots.read());
        Tags tags = Tags.of("name", "p", "bundle", "b");
        assertThat(registry.get("cs.resources.pool.long.leases").tags(tags).functionCounter().count()).isEqualTo(2);
        FunctionTimer wait = registry.get("cs.resources.pool.wait").tags(tags).functionTimer();
        assertThat(wait.count()).isEqualTo(4);
        assertThat(wait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(40);
        assertThat(wait.baseTimeUnit()).isEqualTo(TimeUnit.SECONDS);
        assertThat(registry.find("cs.resources.pool.wait.percentile").tags(tags).gauges())
                .extracting(g -> g.getId().getTag("phi"), Gauge::value, g -> g.getId().getBaseUnit())
                .containsExactlyInAnyOrder(tuple("0.5", 0.005, "seconds"), tuple("0.9", 0.02, "seconds"),
                        tuple("0.99", 0.03, "seconds"), tuple("0.999", 0.04, "seconds"));
        assertThat(registry.get("cs.resources.pool.wait.max").tags(tags).gauge().value()).isEqualTo(0.05);
        assertThat(registry.find("cs.resources.pool.hold").meters()).as("no hold time recorded").isEmpty();
        assertThat(registry.find("cs.resources.pool.hold.percentile").meters()).isEmpty();
        assertThat(registry.find("cs.resources.pool.hold.max").meters()).isEmpty();
        Tags m = Tags.of("name", "M", "bundle", "b");
        assertThat(registry.get("cs.resources.multiopen.startups").tags(m).functionCounter().count()).isEqualTo(3);
        assertThat(registry.get("cs.resources.multiopen.startup.failures").tags(m).functionCounter().count()).isEqualTo(2);
        assertThat(registry.get("cs.resources.multiopen.shutdowns").tags(m).functionCounter().count()).isEqualTo(2);

        // Hold times recorded: their timer appears; the values follow the next reading.
        runtime[0] = Listing.of(List.of(timedPool(1, "p", 3, times(5, 10, 5, 20, 30, 40, 70), times(2, 3, 2, 3, 4, 4, 4))),
                List.of(multiOpen(9, 0, 3, 2, 3)), List.of(), List.of(), System.nanoTime());
        meters.follow(snapshots.read());
        FunctionTimer hold = registry.get("cs.resources.pool.hold").tags(tags).functionTimer();
        assertThat(hold.count()).isEqualTo(2);
        assertThat(hold.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(6);
        assertThat(registry.get("cs.resources.pool.hold.percentile").tags(tags).tag("phi", "0.99").gauge().value())
                .isEqualTo(0.004);
        assertThat(registry.get("cs.resources.pool.hold.max").tags(tags).gauge().value()).isEqualTo(0.004);
        assertThat(wait.count()).isEqualTo(5);
        assertThat(registry.get("cs.resources.pool.wait.max").tags(tags).gauge().value()).isEqualTo(0.07);
        assertThat(registry.get("cs.resources.pool.long.leases").tags(tags).functionCounter().count()).isEqualTo(3);
        assertThat(registry.get("cs.resources.multiopen.shutdowns").tags(m).functionCounter().count()).isEqualTo(3);

        // The pool goes: all of its meters go with it.
        runtime[0] = Listing.of(List.of(), List.of(), List.of(), List.of(), System.nanoTime());
        meters.follow(snapshots.read());
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void prometheusShowsTheTimersAsSummariesBesideTheirPercentileAndMaxGauges() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Listing listing = Listing.of(List.of(timedPool(1, "p", 2, times(4, 10, 5, 20, 30, 40, 50), times(2, 3, 2, 3, 4, 4, 4))),
                List.of(multiOpen(9, 1, 3, 2, 2)), List.of(), List.of(), System.nanoTime());
        ResourceMeters meters = new ResourceMeters(registry, () -> listing);
        meters.follow(listing);
        String text = registry.scrape();
        String tags = "{bundle=\"b\",name=\"p\"";
        assertThat(text).contains(
                "# TYPE cs_resources_pool_wait_seconds summary\n",
                "cs_resources_pool_wait_seconds_count" + tags + "} 4\n",
                "cs_resources_pool_wait_seconds_sum" + tags + "} 0.04\n",
                "# TYPE cs_resources_pool_wait_percentile_seconds gauge\n",
                "cs_resources_pool_wait_percentile_seconds" + tags + ",phi=\"0.5\"} 0.005\n",
                "cs_resources_pool_wait_percentile_seconds" + tags + ",phi=\"0.9\"} 0.02\n",
                "cs_resources_pool_wait_percentile_seconds" + tags + ",phi=\"0.99\"} 0.03\n",
                "cs_resources_pool_wait_percentile_seconds" + tags + ",phi=\"0.999\"} 0.04\n",
                "cs_resources_pool_wait_max_seconds" + tags + "} 0.05\n",
                "cs_resources_pool_hold_seconds_count" + tags + "} 2\n",
                "cs_resources_pool_hold_percentile_seconds" + tags + ",phi=\"0.99\"} 0.004\n",
                "cs_resources_pool_hold_max_seconds" + tags + "} 0.004\n",
                "cs_resources_pool_long_leases_total" + tags + "} 2.0\n",
                "cs_resources_multiopen_startups_total{bundle=\"b\",name=\"M\"} 3.0\n",
                "cs_resources_multiopen_startup_failures_total{bundle=\"b\",name=\"M\"} 2.0\n",
                "cs_resources_multiopen_shutdowns_total{bundle=\"b\",name=\"M\"} 2.0\n");
        meters.close();
        registry.close();
    }

    private static double ended(SimpleMeterRegistry registry, String outcome) {
        return registry.get("cs.resources.runstates.ended").tags("name", "t", "outcome", outcome).functionCounter().count();
    }
}
