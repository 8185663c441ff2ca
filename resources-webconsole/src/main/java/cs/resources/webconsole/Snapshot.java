package cs.resources.webconsole;

import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the runtime listed at one moment, with the pools' recent history: the input of the page,
 * {@code resources.json} and the inventory dumps.
 *
 * @param time when it was taken
 * @param runStates the RunStates, live and recently ended, each once, children after their parent
 *     (tree order: roots by id, each followed by its children by id)
 * @param multiOpens the MultiOpen services, by service id
 * @param pools the Pool services, by service id
 * @param history each listed pool's samples, oldest first, by service id
 */
public record Snapshot(Instant time, List<RunStateInfo> runStates, List<MultiOpenInfo> multiOpens,
        List<PoolInfo> pools, Map<Long, List<PoolSample>> history) {

    /**
     * Lists everything through the runtime (which activates nothing to list it).
     *
     * @param runtime the runtime
     * @param history the sampler's history; null for none
     * @param time now
     * @return the snapshot
     */
    public static Snapshot take(ResourcesRuntime runtime, History history, Instant time) {
        List<PoolInfo> pools = runtime.pools();
        Map<Long, List<PoolSample>> h = new LinkedHashMap<>();
        for (PoolInfo p : pools) {
            h.put(p.serviceId(), history == null ? List.of() : history.samples(p.serviceId()));
        }
        return new Snapshot(time, RunStateTree.flatten(runtime.runStates(true)), runtime.multiOpens(), pools, h);
    }

    /**
     * @param includeHistory whether each pool carries its samples
     * @return the snapshot as {@code resources.json} has it
     */
    public Map<String, Object> toJson(boolean includeHistory) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", time);
        m.put("runStates", runStates.stream().map(r -> Json.row(Tables.RUN_STATES, r)).toList());
        m.put("multiOpens", multiOpens.stream().map(r -> Json.row(Tables.MULTI_OPENS, r)).toList());
        m.put("pools", pools.stream().map(p -> {
            Map<String, Object> row = Json.row(Tables.POOLS, p);
            if (includeHistory) {
                row.put("history", history.getOrDefault(p.serviceId(), List.of()).stream().map(Snapshot::sample).toList());
            }
            return row;
        }).toList());
        return m;
    }

    private static Map<String, Object> sample(PoolSample s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", s.time());
        m.put("idle", s.idle());
        m.put("inUse", s.inUse());
        if (s.waiting() != PoolSample.UNKNOWN) {
            m.put("waiting", s.waiting());
        }
        if (s.waits() != PoolSample.UNKNOWN) {
            m.put("waits", s.waits());
        }
        if (s.timeouts() != PoolSample.UNKNOWN) {
            m.put("timeouts", s.timeouts());
        }
        return m;
    }
}
