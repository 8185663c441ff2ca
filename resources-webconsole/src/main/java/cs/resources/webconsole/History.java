package cs.resources.webconsole;

import cs.resources.RunState;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the {@link Sampler} saw over the last minutes: each pool's counts (for the chart and the
 * health check) and since when each RunState has been seen stopping (the runtime does not say when
 * a RunState was cancelled). Pools and RunStates that are no longer listed are forgotten.
 *
 * <p>Thread-safe: {@link #record} runs in the sampler's thread, the readers in request threads;
 * every field is guarded by {@code lock}, and nothing but our own records is called under it.
 * Memory consistency effects: what a {@link #record} stored happens-before a later read returns it.
 */
public final class History {

    private final int capacity;
    private final Object lock = new Object();
    /** Per pool service id, its samples, oldest first, at most {@code capacity}. Guarded by {@code lock}. */
    private final Map<Long, ArrayDeque<PoolSample>> pools = new HashMap<>();
    /** Per RunState id, when it was first seen stopping. Guarded by {@code lock}. */
    private final Map<Long, Instant> stoppingSince = new HashMap<>();

    /**
     * @param capacity how many samples to keep per pool
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public History(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("History: capacity must be positive, not " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * Adds what was listed at {@code time}.
     *
     * @param time when the lists were taken; not before the last call's
     * @param poolList the pools listed
     * @param runStates the RunStates listed
     */
    public void record(Instant time, List<PoolInfo> poolList, List<RunStateInfo> runStates) {
        Map<Long, PoolSample> samples = new HashMap<>();
        for (PoolInfo p : poolList) {
            samples.put(p.serviceId(), Tables.sample(p, time));
        }
        Set<Long> stopping = new HashSet<>();
        for (RunStateInfo r : runStates) {
            if (r.state() == RunState.State.STOPPING) {
                stopping.add(r.id());
            }
        }
        synchronized (lock) {
            pools.keySet().retainAll(samples.keySet());
            samples.forEach((id, sample) -> {
                ArrayDeque<PoolSample> q = pools.computeIfAbsent(id, k -> new ArrayDeque<>());
                q.addLast(sample);
                while (q.size() > capacity) {
                    q.removeFirst();
                }
            });
            stoppingSince.keySet().retainAll(stopping);
            stopping.forEach(id -> stoppingSince.putIfAbsent(id, time));
        }
    }

    /**
     * @param serviceId a pool's service id
     * @return its samples, oldest first; empty if it was never sampled
     */
    public List<PoolSample> samples(long serviceId) {
        synchronized (lock) {
            ArrayDeque<PoolSample> q = pools.get(serviceId);
            return q == null ? List.of() : List.copyOf(q);
        }
    }

    /** @return every pool's samples, by service id */
    public Map<Long, List<PoolSample>> samples() {
        Map<Long, List<PoolSample>> copy = new TreeMap<>();
        synchronized (lock) {
            pools.forEach((id, q) -> copy.put(id, List.copyOf(q)));
        }
        return copy;
    }

    /**
     * @param runStateId a RunState's id
     * @return when it was first seen stopping, if it was still stopping at the last sample
     */
    public Optional<Instant> stoppingSince(long runStateId) {
        synchronized (lock) {
            return Optional.ofNullable(stoppingSince.get(runStateId));
        }
    }

    /** @return the ids of the RunStates stopping at the last sample */
    public List<Long> stopping() {
        synchronized (lock) {
            return new ArrayList<>(stoppingSince.keySet());
        }
    }
}
