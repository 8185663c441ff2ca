package cs.resources.webconsole;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.RunState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {

    final Instant t0 = Instant.parse("2026-11-26T13:00:00Z");

    @Test
    void keepsTheLastSamplesOfListedPoolsAndForgetsPoolsThatWentAway() {
        History h = new History(3);
        for (int i = 0; i < 5; i++) {
            h.record(t0.plusSeconds(i), List.of(Records.pool(1, "a", i % 2), Records.pool(2, "b", 0)), List.of());
        }
        assertThat(h.samples(1)).extracting(PoolSample::time)
                .containsExactly(t0.plusSeconds(2), t0.plusSeconds(3), t0.plusSeconds(4));
        assertThat(h.samples(1)).extracting(PoolSample::inUse).containsExactly(0, 1, 0);
        h.record(t0.plusSeconds(5), List.of(Records.pool(2, "b", 0)), List.of());
        assertThat(h.samples(1)).isEmpty();
        assertThat(h.samples().keySet()).containsExactly(2L);
        assertThat(h.samples(2)).hasSize(3);
    }

    @Test
    void notesWhenEachRunStateWasFirstSeenStoppingUntilItStops() {
        History h = new History(2);
        h.record(t0, List.of(), List.of(Records.runState(5, "x", RunState.State.RUNNING, t0)));
        assertThat(h.stoppingSince(5)).isEmpty();
        h.record(t0.plusSeconds(1), List.of(), List.of(Records.runState(5, "x", RunState.State.STOPPING, t0)));
        h.record(t0.plusSeconds(2), List.of(), List.of(Records.runState(5, "x", RunState.State.STOPPING, t0)));
        assertThat(h.stoppingSince(5)).contains(t0.plusSeconds(1));
        assertThat(h.stopping()).containsExactly(5L);
        h.record(t0.plusSeconds(3), List.of(), List.of(Records.runState(5, "x", RunState.State.CANCELLED, t0)));
        assertThat(h.stoppingSince(5)).isEmpty();
    }

    @Test
    void aCapacityBelowOneIsRefused() {
        assertThatThrownBy(() -> new History(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("History: capacity must be positive, not 0");
    }
}
