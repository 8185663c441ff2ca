package cs.resources.webconsole;

import cs.resources.runtime.RunStateInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The RunStates of a listing in tree order ({@link cs.resources.runtime.RunStateTree}, which the
 * shell uses too), as the page wants them: a flat list, and the depths by id.
 */
final class RunStateTree {
    private RunStateTree() {
    }

    /** @return every RunState of {@code listed} and of their children, each once, in tree order */
    static List<RunStateInfo> flatten(List<RunStateInfo> listed) {
        return cs.resources.runtime.RunStateTree.of(listed).stream().map(cs.resources.runtime.RunStateTree.Node::info).toList();
    }

    /**
     * @param flat a listing in tree order ({@link #flatten})
     * @return how deep each RunState is, by id: 0 for a root, its parent's depth plus one otherwise
     */
    static Map<Long, Integer> depths(List<RunStateInfo> flat) {
        Map<Long, Integer> depth = new HashMap<>();
        for (RunStateInfo i : flat) {
            Integer parent = i.parentId() == i.id() ? null : depth.get(i.parentId());
            depth.put(i.id(), parent == null ? 0 : parent + 1);
        }
        return depth;
    }
}
