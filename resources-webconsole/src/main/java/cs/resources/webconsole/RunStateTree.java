package cs.resources.webconsole;

import cs.resources.runtime.RunStateInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The RunStates of a listing in tree order: each one once, the roots by id, each followed by its
 * children by id, depth first. The runtime lists a tracked RunState's live children inside its
 * record, and a child that is tracked itself also on its own (that entry wins: it names the
 * child's own bundle). A RunState whose parent is not listed is a root; so is whatever a parent
 * chain that loops would hide (a listing is data).
 */
final class RunStateTree {
    private RunStateTree() {
    }

    /** @return every RunState of {@code listed} and of their children, each once, in tree order */
    static List<RunStateInfo> flatten(List<RunStateInfo> listed) {
        Map<Long, RunStateInfo> byId = new LinkedHashMap<>();
        listed.forEach(i -> byId.putIfAbsent(i.id(), i));
        Deque<RunStateInfo> nested = new ArrayDeque<>(listed);
        while (!nested.isEmpty()) {
            for (RunStateInfo child : nested.pop().children()) {
                if (byId.putIfAbsent(child.id(), child) == null) {
                    nested.push(child);
                }
            }
        }
        Map<Long, List<RunStateInfo>> children = new HashMap<>();
        List<RunStateInfo> roots = new ArrayList<>();
        for (RunStateInfo i : byId.values()) {
            if (i.parentId() != 0 && i.parentId() != i.id() && byId.containsKey(i.parentId())) {
                children.computeIfAbsent(i.parentId(), k -> new ArrayList<>()).add(i);
            } else {
                roots.add(i);
            }
        }
        Comparator<RunStateInfo> byIdOrder = Comparator.comparingLong(RunStateInfo::id);
        roots.sort(byIdOrder);
        children.values().forEach(l -> l.sort(byIdOrder));
        List<RunStateInfo> out = new ArrayList<>(byId.size());
        Map<Long, Boolean> placed = new HashMap<>();
        Deque<RunStateInfo> todo = new ArrayDeque<>();
        for (int i = roots.size() - 1; i >= 0; i--) {
            todo.push(roots.get(i));
        }
        while (!todo.isEmpty()) {
            RunStateInfo next = todo.pop();
            if (placed.putIfAbsent(next.id(), Boolean.TRUE) != null) {
                continue;
            }
            out.add(next);
            List<RunStateInfo> kids = children.getOrDefault(next.id(), List.of());
            for (int i = kids.size() - 1; i >= 0; i--) {
                todo.push(kids.get(i));
            }
        }
        byId.values().stream().filter(i -> !placed.containsKey(i.id())).sorted(byIdOrder).forEach(out::add);
        return out;
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
