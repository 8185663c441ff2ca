package cs.resources.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.RunState;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateInfo.Source;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The history of RunStates no longer tracked: bounded, newest first, one entry per RunState. */
class HistoryTest {

    static RunStateInfo info(long id, RunState.State state) {
        return new RunStateInfo(id, "rs-" + id, state, 1, "b", null, Duration.ZERO, Source.REGISTERED);
    }

    @Test
    void keepsTheNewestUpToItsSize() {
        History h = new History(3);
        for (long id = 1; id <= 5; id++) {
            h.add(info(id, RunState.State.STOPPED));
        }
        assertThat(h.entries()).extracting(RunStateInfo::id).containsExactly(5L, 4L, 3L);
    }

    @Test
    void aRunStateThatLeavesAgainReplacesItsEntry() {
        History h = new History(3);
        h.add(info(1, RunState.State.STOPPED));
        h.add(info(2, RunState.State.STOPPED));
        h.add(info(1, RunState.State.CANCELLED));
        assertThat(h.entries()).extracting(RunStateInfo::id).containsExactly(1L, 2L);
        assertThat(h.entries().get(0).state()).isEqualTo(RunState.State.CANCELLED);
    }

    @Test
    void theRuntimesHistoryHoldsAHundred() {
        History h = new History(RunStateTracking.HISTORY_SIZE);
        for (long id = 1; id <= 250; id++) {
            h.add(info(id, RunState.State.STOPPED));
        }
        assertThat(h.entries()).hasSize(100).first().extracting(RunStateInfo::id).isEqualTo(250L);
    }

    @Test
    void aSizeBelowOneIsRefused() {
        assertThatThrownBy(() -> new History(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("history size must be at least 1, not 0");
    }
}
