package cs.resources.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The RunStates of a listing as a tree: each one once, roots by id, each followed by its
 * children by id (depth first). A RunState's parent is the one whose id is its
 * {@link RunStateInfo#parentId()}, if that one is listed; the runtime lists a tracked RunState's
 * live children inside its info, and a child that is tracked itself also on its own (that entry
 * wins: it names the child's own bundle). What the shell's {@code resources:runstates} and the
 * Web Console page show; plain data, no framework.
 */
public final class RunStateTree {

    /**
     * A RunState of the tree and how deep it is.
     *
     * @param info the RunState
     * @param depth 0 for a root, its parent's depth plus one otherwise
     */
    public record Node(RunStateInfo info, int depth) {
    }

    private RunStateTree() {
    }

    /**
     * @param infos a listing, such as {@link ResourcesRuntime#runStates(boolean)}'s
     * @return every RunState of {@code infos} and of their children, each once, in tree order with
     *     its depth; a RunState whose parent is not listed is a root, and so is whatever a parent
     *     chain that loops would hide (a listing is data)
     * @throws NullPointerException if {@code infos} is null
     */
    public static List<Node> of(List<RunStateInfo> infos) {
        Map<Long, RunStateInfo> byId = new LinkedHashMap<>();
        for (RunStateInfo info : infos) {
            byId.putIfAbsent(info.id(), info);
        }
        Deque<RunStateInfo> nested = new ArrayDeque<>(infos);
        while (!nested.isEmpty()) {
            for (RunStateInfo child : nested.pop().children()) {
                if (byId.putIfAbsent(child.id(), child) == null) {
                    nested.push(child);
                }
            }
        }
        Map<Long, List<RunStateInfo>> children = new HashMap<>();
        List<RunStateInfo> roots = new ArrayList<>();
        for (RunStateInfo info : byId.values()) {
            if (info.parentId() != 0 && info.parentId() != info.id() && byId.containsKey(info.parentId())) {
                children.computeIfAbsent(info.parentId(), k -> new ArrayList<>()).add(info);
            } else {
                roots.add(info);
            }
        }
        Comparator<RunStateInfo> byIdOrder = Comparator.comparingLong(RunStateInfo::id);
        roots.sort(byIdOrder);
        children.values().forEach(l -> l.sort(byIdOrder));

        List<Node> nodes = new ArrayList<>(byId.size());
        Set<Long> placed = new HashSet<>();
        Deque<Node> todo = new ArrayDeque<>();
        for (int i = roots.size() - 1; i >= 0; i--) {
            todo.push(new Node(roots.get(i), 0));
        }
        while (!todo.isEmpty()) {
            Node node = todo.pop();
            if (!placed.add(node.info().id())) {
                continue;
            }
            nodes.add(node);
            List<RunStateInfo> kids = children.getOrDefault(node.info().id(), List.of());
            for (int i = kids.size() - 1; i >= 0; i--) {
                todo.push(new Node(kids.get(i), node.depth() + 1));
            }
        }
        // A parent chain that loops (no RunState can be its own ancestor, but a listing is data):
        // whatever the walk from the roots did not reach is listed as roots, by id.
        byId.values().stream().filter(i -> !placed.contains(i.id())).sorted(byIdOrder)
                .forEach(i -> nodes.add(new Node(i, 0)));
        return nodes;
    }

    /**
     * @param info a RunState of a listing
     * @return its descendants (its children, theirs...), depth first, by id
     * @throws NullPointerException if {@code info} is null
     */
    public static List<RunStateInfo> descendants(RunStateInfo info) {
        List<RunStateInfo> all = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        seen.add(info.id());
        Deque<RunStateInfo> todo = new ArrayDeque<>();
        pushChildren(info, todo);
        while (!todo.isEmpty()) {
            RunStateInfo next = todo.pop();
            if (seen.add(next.id())) {
                all.add(next);
                pushChildren(next, todo);
            }
        }
        return all;
    }

    private static void pushChildren(RunStateInfo info, Deque<RunStateInfo> todo) {
        List<RunStateInfo> kids = new ArrayList<>(info.children());
        kids.sort(Comparator.comparingLong(RunStateInfo::id));
        for (int i = kids.size() - 1; i >= 0; i--) {
            todo.push(kids.get(i));
        }
    }
}
