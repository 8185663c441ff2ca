package cs.resources.shell;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.RunState;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateTree;
import cs.resources.runtime.RunStateInfo.Source;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code resources:runstates} table and the tree it shows, without a framework. */
class RunStateTableTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private static RunStateInfo info(long id, String name, RunState.State state, long parentId, RunState.Progress progress,
            Duration eta, String failure, RunStateInfo... children) {
        return new RunStateInfo(id, name, state, 7, "b", START, Duration.ofSeconds(2), Source.REGISTERED, progress, eta,
                parentId, failure, List.of(children));
    }

    private static RunStateInfo plain(long id, String name, long parentId, RunStateInfo... children) {
        return info(id, name, RunState.State.RUNNING, parentId, new RunState.Progress(0, 0, ""), null, null, children);
    }

    private static List<String> print(List<RunStateInfo> infos, boolean all, boolean plain) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ResourcesCommands.runStateTable(infos, all, plain).print(new PrintStream(bytes, true, StandardCharsets.UTF_8), plain);
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void childrenComeAfterTheirParentByIdEachOnce() {
        RunStateInfo grandchild = plain(12, "g", 11);
        RunStateInfo child11 = plain(11, "c11", 10, grandchild);
        RunStateInfo child13 = plain(13, "c13", 10);
        RunStateInfo parent = plain(10, "p", 0, child13, child11);
        RunStateInfo trackedChild = info(13, "c13", RunState.State.PAUSED, 10, new RunState.Progress(0, 0, ""), null, null);
        List<RunStateTree.Node> nodes = RunStateTree.of(List.of(plain(20, "other", 0), trackedChild, parent));
        assertThat(nodes).extracting(n -> n.info().id()).containsExactly(10L, 11L, 12L, 13L, 20L);
        assertThat(nodes).extracting(RunStateTree.Node::depth).containsExactly(0, 1, 2, 1, 0);
        assertThat(nodes.get(3).info()).as("the tracked entry wins").isSameAs(trackedChild);
    }

    @Test
    void aChildWhoseParentIsNotListedIsARoot() {
        List<RunStateTree.Node> nodes = RunStateTree.of(List.of(plain(5, "orphan", 4), plain(3, "a", 0)));
        assertThat(nodes).extracting(n -> n.info().id()).containsExactly(3L, 5L);
        assertThat(nodes).extracting(RunStateTree.Node::depth).containsExactly(0, 0);
    }

    @Test
    void aLoopingListingStillListsEveryRunStateOnce() {
        List<RunStateTree.Node> nodes = RunStateTree.of(List.of(plain(1, "a", 2), plain(2, "b", 1)));
        assertThat(nodes).extracting(n -> n.info().id()).containsExactlyInAnyOrder(1L, 2L);
    }

    @Test
    void descendantsAreDepthFirstById() {
        RunStateInfo parent = plain(1, "p", 0, plain(3, "c3", 1), plain(2, "c2", 1, plain(4, "g", 2)));
        assertThat(RunStateTree.descendants(parent)).extracting(RunStateInfo::id).containsExactly(2L, 4L, 3L);
    }

    @Test
    void theTableIndentsChildrenAndShowsProgressAndTimeLeft() {
        RunStateInfo child = info(2, "part", RunState.State.RUNNING, 1, new RunState.Progress(17, 0, ""), null, null);
        RunStateInfo parent = info(1, "crawl", RunState.State.RUNNING, 0, new RunState.Progress(42, 100, "page 42"),
                Duration.ofSeconds(75), null, child);
        List<String> lines = print(List.of(parent), false, false);
        String header = lines.get(0);
        assertThat(header).contains("ID", "NAME", "STATE", "BUNDLE", "STARTED", "RUN TIME", "PROGRESS", "LEFT", "MESSAGE")
                .doesNotContain("FAILURE");
        assertThat(lines.get(1)).contains("crawl", "42%", "1m15s", "page 42");
        assertThat(lines.get(1).indexOf("crawl")).isEqualTo(header.indexOf("NAME"));
        assertThat(lines.get(2).indexOf("part")).as("indented").isEqualTo(header.indexOf("NAME") + 2);
        assertThat(lines.get(2)).contains(" 17 ").endsWith("-");
    }

    @Test
    void allAddsTheFailure() {
        RunStateInfo failed = info(3, "broken", RunState.State.CANCELLED, 0, new RunState.Progress(0, 0, ""), null,
                "java.io.IOException: disk\u001b[2J gone");
        List<String> lines = print(List.of(failed), true, false);
        assertThat(lines.get(0)).endsWith("FAILURE");
        assertThat(lines.get(1)).endsWith("java.io.IOException: disk\\u001b[2J gone").doesNotContain("\u001b");
    }

    @Test
    void plainRowsHaveEveryColumnWithTheParentIdAndNoIndent() {
        RunStateInfo child = info(2, "part", RunState.State.PAUSED, 1, new RunState.Progress(5, 10, "half"),
                Duration.ofMillis(1500), null);
        RunStateInfo parent = info(1, "crawl", RunState.State.RUNNING, 0, new RunState.Progress(0, 0, ""), null,
                "java.lang.IllegalStateException: x", child);
        List<String> lines = print(List.of(parent), false, true);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).split("\t")).containsExactly("1", "crawl", "RUNNING", "b", START.toString(), "2.000",
                "0", "0", "-", "0", "-", "java.lang.IllegalStateException: x");
        assertThat(lines.get(1).split("\t")).containsExactly("2", "part", "PAUSED", "b", START.toString(), "2.000",
                "5", "10", "1.500", "1", "half", "-");
    }
}
