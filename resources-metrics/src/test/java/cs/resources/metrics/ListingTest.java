package cs.resources.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * One reading of the runtime, summed by the meters' tags, and the meters that follow readings:
 * series registered and removed, ended RunStates counted once.
 */
class ListingTest {

    private static PoolInfo pool(long id, String name, String bundle, int maxTotal, int idle, int inUse, long created) {
        return new PoolInfo(id, name, 1, bundle, 4, maxTotal, false,
                new Pool.Stats(created, 0, 0, idle, inUse, 0, 0, 0, 0, Duration.ZERO, Duration.ZERO));
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

    private static double ended(SimpleMeterRegistry registry, String outcome) {
        return registry.get("cs.resources.runstates.ended").tags("name", "t", "outcome", outcome).functionCounter().count();
    }
}
