package cs.resources.impl;

import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import cs.resources.Pool;
import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateInfo.Source;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * What the runtime knows: the whiteboard of RunState, MultiOpen and Pool services, the RunStates
 * registered directly, and a short history of RunStates no longer tracked. Shared by every
 * bundle's {@link RuntimeService} and by the {@link TaskServiceComponent}; not visible outside this
 * bundle.
 *
 * <p>Tracked objects live in concurrent maps; listing reads them without a lock and calls into the
 * tracked objects outside any lock of ours. The history is guarded by its own monitor.
 */
@Component(service = Registry.class, immediate = true)
public final class Registry {

    /** How many RunStates that are no longer tracked {@code runStates(true)} remembers. */
    static final int HISTORY_SIZE = 100;

    private static final System.Logger LOG = System.getLogger(Registry.class.getName());
    private static final String RUN_STATES = "runStates";
    private static final String MULTI_OPENS = "multiOpens";
    private static final String POOLS = "pools";

    private final Map<Object, Tracked> runStates = new ConcurrentHashMap<>();
    private final Set<ServiceReference<MultiOpen>> multiOpens = ConcurrentHashMap.newKeySet();
    private final Set<ServiceReference<Pool<?>>> pools = ConcurrentHashMap.newKeySet();
    private final Deque<RunStateInfo> history = new ArrayDeque<>();

    /**
     * A tracked RunState, where it came from, and what to undo when it is no longer tracked. A
     * whiteboard entry gets its RunState from the service registry on first use.
     */
    private final class Tracked {
        private final ServiceReference<RunState> ref;
        private volatile RunState runState;
        final long bundleId;
        final String bundle;
        final Source source;
        /** Runs once when untracked (removes an end listener, tells the owner); may be null. */
        volatile Runnable onUntrack;

        Tracked(ServiceReference<RunState> ref, RunState runState, long bundleId, String bundle, Source source) {
            this.ref = ref;
            this.runState = runState;
            this.bundleId = bundleId;
            this.bundle = bundle;
            this.source = source;
        }

        /** @return the RunState; null if its service went away before it was first used */
        RunState runState() {
            RunState rs = runState;
            if (rs == null) {
                rs = runState = context.locateService(RUN_STATES, ref);
            }
            return rs;
        }

        /** @return the RunState as it is now; null if its service went away */
        RunStateInfo info() {
            RunState rs = runState();
            return rs == null ? null : new RunStateInfo(rs.id(), rs.name(), rs.state(), bundleId, bundle,
                    rs.startTime().orElse(null), rs.runTime(), source);
        }
    }

    private final ComponentContext context;

    @Activate
    public Registry(ComponentContext context) {
        this.context = context;
    }

    // --------------------------------------------------------------------------------- whiteboard

    // The whiteboard references bind service references only: a service object is got when it is
    // first listed, never while this component activates, so that a MultiOpen component that itself
    // uses the runtime (as the task service does) makes no circular reference.

    @Reference(name = RUN_STATES, service = RunState.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addRunState(ServiceReference<RunState> ref) {
        Bundle b = ref.getBundle();
        if (b != null) {
            runStates.put(ref, new Tracked(ref, null, b.getBundleId(), name(b), Source.SERVICE));
        }
    }

    void removeRunState(ServiceReference<RunState> ref) {
        untrack(ref);
    }

    @Reference(name = MULTI_OPENS, service = MultiOpen.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addMultiOpen(ServiceReference<MultiOpen> ref) {
        multiOpens.add(ref);
    }

    void removeMultiOpen(ServiceReference<MultiOpen> ref) {
        multiOpens.remove(ref);
    }

    @Reference(name = POOLS, service = Pool.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addPool(ServiceReference<Pool<?>> ref) {
        pools.add(ref);
    }

    void removePool(ServiceReference<Pool<?>> ref) {
        pools.remove(ref);
    }

    // ------------------------------------------------------------------------------------ track

    /**
     * Tracks a RunState on behalf of {@code owner} until the returned registration is closed (or,
     * with {@code dropWhenEnded}, until it ends). {@code onUntrack} (may be null) runs once, when it
     * stops being tracked for whatever reason.
     */
    Registration track(RunState runState, Bundle owner, Source source, boolean dropWhenEnded, Runnable onUntrack) {
        Objects.requireNonNull(runState, "runState");
        Object key = new Object();
        Tracked t = new Tracked(null, runState, owner.getBundleId(), name(owner), source);
        Registration onEnd = dropWhenEnded ? runState.onEnd(rs -> untrack(key)) : null;
        t.onUntrack = () -> {
            if (onEnd != null) {
                onEnd.close();
            }
            if (onUntrack != null) {
                onUntrack.run();
            }
        };
        runStates.put(key, t);
        return () -> untrack(key);
    }

    private void untrack(Object key) {
        Tracked t = runStates.remove(key);
        if (t == null) {
            return;
        }
        Runnable undo = t.onUntrack;
        if (undo != null) {
            undo.run();
        }
        RunStateInfo info = t.info();
        if (info == null) {
            return;
        }
        synchronized (history) {
            history.removeIf(h -> h.id() == info.id());
            history.addFirst(info);
            while (history.size() > HISTORY_SIZE) {
                history.removeLast();
            }
        }
    }

    // -------------------------------------------------------------------------------------- list

    List<RunStateInfo> runStates(boolean includeEnded) {
        Map<Long, RunStateInfo> byId = new TreeMap<>();
        for (Tracked t : runStates.values()) {
            RunStateInfo info = t.info();
            if (info != null && (includeEnded || info.isLive())) {
                byId.putIfAbsent(info.id(), info);
            }
        }
        if (includeEnded) {
            synchronized (history) {
                for (RunStateInfo info : history) {
                    byId.putIfAbsent(info.id(), info);
                }
            }
        }
        return List.copyOf(byId.values());
    }

    List<RunStateInfo> cancel(Collection<String> idsOrNames) {
        Objects.requireNonNull(idsOrNames, "idsOrNames");
        if (idsOrNames.isEmpty()) {
            throw new IllegalArgumentException("cancel: give at least one RunState id or name");
        }
        Map<Long, Tracked> live = new TreeMap<>();
        Map<Long, RunStateInfo> ended = new TreeMap<>();
        for (Tracked t : runStates.values()) {
            RunStateInfo info = t.info();
            if (info == null) {
                continue;
            }
            if (info.isLive()) {
                live.putIfAbsent(info.id(), t);
            } else {
                ended.putIfAbsent(info.id(), info);
            }
        }
        synchronized (history) {
            history.forEach(h -> ended.putIfAbsent(h.id(), h));
        }
        Map<Long, Tracked> chosen = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (String arg : idsOrNames) {
            Objects.requireNonNull(arg, "idsOrNames contains null");
            Long id = parseId(arg);
            Map<Long, Tracked> matches = new TreeMap<>();
            if (id != null && live.containsKey(id)) {
                matches.put(id, live.get(id));
            } else {
                live.forEach((k, t) -> {
                    if (t.runState().name().equals(arg)) {
                        matches.put(k, t);
                    }
                });
            }
            if (!matches.isEmpty()) {
                chosen.putAll(matches);
            } else if (id != null && ended.containsKey(id)) {
                problems.add("RunState " + id + " has already ended (" + ended.get(id).state() + ")");
            } else {
                problems.add("no live RunState has the " + (id != null ? "id or name " : "name ") + Text.quote(arg));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cancel: " + String.join("; ", problems) + "; nothing was cancelled");
        }
        chosen.values().forEach(t -> t.runState().cancel());
        return chosen.values().stream().map(Tracked::info).filter(Objects::nonNull).toList();
    }

    private static Long parseId(String arg) {
        if (arg.isEmpty() || arg.length() > 19 || !arg.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            return Long.valueOf(arg);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    List<MultiOpenInfo> multiOpens() {
        List<MultiOpenInfo> result = new ArrayList<>();
        for (ServiceReference<MultiOpen> ref : multiOpens) {
            Bundle b = ref.getBundle();
            MultiOpen mo = context.locateService(MULTI_OPENS, ref);
            if (b != null && mo != null) {
                MultiOpenInfo.Phase phase = mo.isOpen() ? MultiOpenInfo.Phase.OPEN
                        : mo.isClosed() ? MultiOpenInfo.Phase.CLOSED : MultiOpenInfo.Phase.NEW;
                result.add(new MultiOpenInfo(serviceId(ref), mo.getClass().getName(), b.getBundleId(), name(b),
                        mo.openCount(), phase));
            }
        }
        result.sort(Comparator.comparingLong(MultiOpenInfo::serviceId));
        return List.copyOf(result);
    }

    List<PoolInfo> pools() {
        List<PoolInfo> result = new ArrayList<>();
        for (ServiceReference<Pool<?>> ref : pools) {
            Bundle b = ref.getBundle();
            Pool<?> pool = context.locateService(POOLS, ref);
            if (b != null && pool != null) {
                result.add(new PoolInfo(serviceId(ref), pool.name(), b.getBundleId(), name(b), pool.maxSize(),
                        pool.isClosed(), pool.stats()));
            }
        }
        result.sort(Comparator.comparingLong(PoolInfo::serviceId));
        return List.copyOf(result);
    }

    List<LeakDetection.Holder> holders(long serviceId) {
        for (ServiceReference<MultiOpen> ref : multiOpens) {
            if (serviceId(ref) == serviceId) {
                MultiOpen mo = context.locateService(MULTI_OPENS, ref);
                return mo == null ? List.of() : LeakDetection.holders(mo);
            }
        }
        for (ServiceReference<Pool<?>> ref : pools) {
            if (serviceId(ref) == serviceId) {
                Pool<?> pool = context.locateService(POOLS, ref);
                return pool == null ? List.of() : LeakDetection.holders(pool);
            }
        }
        throw new IllegalArgumentException("no MultiOpen or Pool service has the id " + serviceId);
    }

    /** At the runtime's end (often the framework's): what is still open or leased is reported. */
    @Deactivate
    void deactivate() {
        List<LeakDetection.Holder> held = LeakDetection.held();
        if (!held.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, () -> "the cs.resources runtime stops with " + held.size()
                    + (held.size() == 1 ? " open or lease" : " opens or leases") + " still held:\n"
                    + held.stream().map(LeakDetection.Holder::describe).collect(Collectors.joining("\n")));
        }
    }

    private static long serviceId(ServiceReference<?> ref) {
        return (Long) ref.getProperty(Constants.SERVICE_ID);
    }

    private static String name(Bundle b) {
        String bsn = b.getSymbolicName();
        return bsn != null ? bsn : "bundle-" + b.getBundleId();
    }
}
