package cs.resources.webconsole.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.RunStateInfo;
import cs.resources.webconsole.History;
import cs.resources.webconsole.PoolSample;
import cs.resources.webconsole.Records;
import cs.resources.webconsole.Snapshot;
import cs.resources.webconsole.health.HealthRules.Finding;
import cs.resources.webconsole.health.HealthRules.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthRulesTest {

    final Instant t0 = Instant.parse("2026-11-26T13:00:00Z");
    final HealthRules rules = new HealthRules(Duration.ofSeconds(60), Duration.ofSeconds(60));

    Snapshot snapshot(Instant now, List<RunStateInfo> runStates, Map<Long, List<PoolSample>> history) {
        return snapshot(now, runStates, history, List.of(Records.multiOpen(30, "com.acme.Db")));
    }

    Snapshot snapshot(Instant now, List<RunStateInfo> runStates, Map<Long, List<PoolSample>> history,
            List<MultiOpenInfo> multiOpens) {
        return new Snapshot(now, runStates, multiOpens, List.of(Records.pool(40, "conns", 1)), history);
    }

    @Test
    void nothingWrongGivesNoFinding() {
        History h = new History(10);
        assertThat(rules.evaluate(snapshot(t0, List.of(Records.runState(1, "t", RunState.State.RUNNING, t0)), Map.of()), h))
                .isEmpty();
    }

    @Test
    void aRunStateStoppingLongerThanTheThresholdWarnsNamingIt() {
        History h = new History(10);
        RunStateInfo stopping = Records.runState(1, "slow {}", RunState.State.STOPPING, t0);
        h.record(t0, List.of(), List.of(stopping));
        assertThat(rules.evaluate(snapshot(t0.plusSeconds(60), List.of(stopping), Map.of()), h)).isEmpty();
        assertThat(rules.evaluate(snapshot(t0.plusSeconds(61), List.of(stopping), Map.of()), h))
                .containsExactly(new Finding(Level.WARN, "RunState 1 slow {} (bundle com.acme.tasks): stopping for 61 s"
                        + " (threshold 60 s); it was cancelled and has not ended"));
        // One never seen stopping by the sampler is not judged.
        RunStateInfo unseen = Records.runState(2, "new", RunState.State.STOPPING, t0);
        assertThat(rules.evaluate(snapshot(t0.plusSeconds(600), List.of(unseen), Map.of()), h)).isEmpty();
    }

    /**
     * The stuck child: its parent cancelled and ended, the child still stopping. The runtime
     * lists it on its own now (a root: its parent is not listed), and the rule judges it as any
     * other, from when the sampler first saw it stopping: 98 s past a 60 s threshold is a WARN.
     */
    @Test
    void aChildStoppingAfterItsParentEndedWarnsToo() {
        History h = new History(10);
        RunStateInfo parent = Records.runState(7, "parent", RunState.State.STOPPING, t0);
        RunStateInfo child = Records.runState(8, "stuck-child", RunState.State.STOPPING, t0, 0, 0, "", null, 7,
                List.of());
        h.record(t0, List.of(), List.of(parent, child));
        // The parent ended; only the child is listed (its parentId names one not listed).
        Snapshot later = snapshot(t0.plusSeconds(98), List.of(child), Map.of());
        assertThat(later.runStates()).extracting(RunStateInfo::id).containsExactly(8L);
        h.record(t0.plusSeconds(98), List.of(), later.runStates());
        assertThat(rules.evaluate(later, h)).containsExactly(new Finding(Level.WARN, "RunState 8 stuck-child (bundle"
                + " com.acme.tasks): stopping for 98 s (threshold 60 s); it was cancelled and has not ended"));
    }

    @Test
    void aPoolWithWaitersOrTimeoutsInTheWindowWarns() {
        History h = new History(10);
        // Waiting borrowers in the window.
        Map<Long, List<PoolSample>> waiting = Map.of(40L, List.of(new PoolSample(t0, 0, 4, 0, 10, 2),
                new PoolSample(t0.plusSeconds(30), 0, 4, 3, 13, 2)));
        assertThat(rules.evaluate(snapshot(t0.plusSeconds(40), List.of(), waiting), h)).containsExactly(
                new Finding(Level.WARN, "pool conns (service 40, bundle com.acme.pools): in the last 60 s, up to 3"
                        + " borrowers waiting, 3 waits, 0 timeouts"));
        // Timeouts grew in the window although nobody waits now.
        Map<Long, List<PoolSample>> timeouts = Map.of(40L, List.of(new PoolSample(t0, 0, 4, 0, 10, 2),
                new PoolSample(t0.plusSeconds(30), 0, 4, 0, 11, 3)));
        assertThat(rules.evaluate(snapshot(t0.plusSeconds(40), List.of(), timeouts), h)).singleElement()
                .extracting(Finding::message).asString().contains("1 timeouts");
        // The same samples, once out of the window, are forgotten.
        assertThat(rules.evaluate(snapshot(t0.plusSeconds(100), List.of(), timeouts), h)).isEmpty();
        // A pool that does not report waits never warns.
        Map<Long, List<PoolSample>> unknown = Map.of(40L, List.of(new PoolSample(t0, 0, 4, -1, -1, -1)));
        assertThat(rules.evaluate(snapshot(t0, List.of(), unknown), h)).isEmpty();
    }

    @Test
    void aPoolThatFoundLongLeasesInTheWindowWarns() {
        History h = new History(10);
        Map<Long, List<PoolSample>> longLeases = Map.of(40L, List.of(new PoolSample(t0, 1, 3, 0, 10, 2, 1),
                new PoolSample(t0.plusSeconds(30), 1, 3, 0, 10, 2, 3)));
        assertThat(rules.evaluate(snapshot(t0.plusSeconds(40), List.of(), longLeases), h)).containsExactly(
                new Finding(Level.WARN, "pool conns (service 40, bundle com.acme.pools): in the last 60 s, 2 leases held"
                        + " past its long-lease warning (PT0S); the pool's log names the borrowers and their stacks"));
        // Long leases counted before the window, and none since: no warning.
        Map<Long, List<PoolSample>> old = Map.of(40L, List.of(new PoolSample(t0, 1, 3, 0, 10, 2, 3),
                new PoolSample(t0.plusSeconds(30), 1, 3, 0, 10, 2, 3)));
        assertThat(rules.evaluate(snapshot(t0.plusSeconds(40), List.of(), old), h)).isEmpty();
    }

    @Test
    void aMultiOpenWhoseLastStartupFailedIsCriticalAndComesFirst() {
        History h = new History(10);
        RunStateInfo stopping = Records.runState(1, "slow", RunState.State.STOPPING, t0);
        h.record(t0, List.of(), List.of(stopping));
        List<MultiOpenInfo> multiOpens = List.of(
                Records.multiOpen(30, "com.acme.Db", MultiOpenInfo.Phase.NEW, true, false,
                        "java.net.ConnectException: refused"),
                Records.multiOpen(31, "com.acme.Cache", MultiOpenInfo.Phase.OPEN, true, false, null));
        List<Finding> findings = rules.evaluate(snapshot(t0.plusSeconds(120), List.of(stopping), Map.of(), multiOpens), h);
        assertThat(findings).extracting(Finding::level).containsExactly(Level.CRITICAL, Level.WARN);
        assertThat(findings.get(0).message()).isEqualTo("MultiOpen service 30 (com.acme.Db, bundle com.acme.db): its"
                + " last startup failed: java.net.ConnectException: refused");
    }

    @Test
    void badThresholdsAreRefused() {
        assertThatThrownBy(() -> new HealthRules(Duration.ofSeconds(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("HealthRules: negative duration (stopping threshold PT-1S, pool window PT0S)");
        assertThatThrownBy(() -> new HealthRules(Duration.ZERO, null))
                .isInstanceOf(NullPointerException.class).hasMessage("poolWindow");
    }
}
