package cs.resources.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.RunState;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateInfo.Source;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Cancel matching: ids, names, all-or-nothing, and the errors that say what matched nothing. */
class SelectionTest {

    final Map<Long, String> live = new TreeMap<>(Map.of(3L, "indexer", 5L, "indexer", 7L, "42", 8L, "crawler"));
    final Map<Long, RunStateInfo> ended = Map.of(9L,
            new RunStateInfo(9, "old", RunState.State.STOPPED, 1, "b", null, Duration.ZERO, Source.TASK));

    Map<Long, String> choose(String... args) {
        return Selection.choose("cancel", Arrays.asList(args), live, n -> n, ended);
    }

    @Test
    void anIdChoosesThatRunStateAndANameEveryLiveOneOfThatName() {
        assertThat(choose("8").keySet()).containsExactly(8L);
        assertThat(choose("indexer").keySet()).containsExactly(3L, 5L);
        assertThat(choose("indexer", "3", "crawler").keySet()).containsExactly(3L, 5L, 8L);
    }

    @Test
    void aNumberThatIsNoLiveIdIsTriedAsAName() {
        assertThat(choose("42").keySet()).containsExactly(7L);
    }

    @Test
    void anythingUnmatchedFailsTheWholeCallAndSaysWhat() {
        assertThatThrownBy(() -> choose("indexer", "nosuch", "43"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cancel: no live RunState has the name \"nosuch\"; no live RunState has the id or name \"43\";"
                        + " nothing was cancelled");
    }

    @Test
    void anEndedOneIsNamedAsEnded() {
        assertThatThrownBy(() -> choose("9")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cancel: RunState 9 has already ended (STOPPED); nothing was cancelled");
    }

    @Test
    void refusalsAreListedWithTheOtherProblemsInArgumentOrderAndChooseNothing() {
        assertThatThrownBy(() -> Selection.choose("pause", List.of("indexer", "nosuch", "8"), live, n -> n, ended,
                id -> id == 5L ? "is not running (PENDING)" : id == 8L ? "is cancelled (STOPPING)" : null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pause: RunState 5 \"indexer\" is not running (PENDING); no live RunState has the name"
                        + " \"nosuch\"; RunState 8 \"crawler\" is cancelled (STOPPING); nothing was paused");
        assertThat(Selection.choose("resume", List.of("indexer"), live, n -> n, ended, id -> null).keySet())
                .containsExactly(3L, 5L);
    }

    @Test
    void badArguments() {
        assertThatThrownBy(() -> Selection.choose("cancel", List.of(), live, n -> n, ended))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cancel: give at least one RunState id or name");
        assertThatThrownBy(() -> Selection.choose("cancel", null, live, n -> n, ended))
                .isInstanceOf(NullPointerException.class).hasMessage("idsOrNames");
        assertThatThrownBy(() -> choose("3", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("idsOrNames contains null");
        // A name with control characters is quoted safely in the message.
        assertThatThrownBy(() -> choose("\u001b[2J")).hasMessageContaining("\"\\u001b[2J\"");
    }

    @Test
    void idsAreDecimalDigitsOnly() {
        assertThat(Selection.parseId("12")).isEqualTo(12L);
        assertThat(Selection.parseId("+12")).isNull();
        assertThat(Selection.parseId("")).isNull();
        assertThat(Selection.parseId("99999999999999999999")).isNull();
        assertThat(Selection.parseId("１２")).isNull(); // full-width digits are a name
    }
}
