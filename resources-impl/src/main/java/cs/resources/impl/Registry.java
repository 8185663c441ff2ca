package cs.resources.impl;

import cs.resources.AbstractMultiOpen;
import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import cs.resources.Pool;
import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.osgi.MultiOpenServices;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateInfo.Source;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * What the runtime knows: the whiteboard of RunState, MultiOpen and Pool services, the MultiOpen
 * services published with per-bundle views, the RunStates registered directly, and a short history
 * of RunStates no longer tracked. Shared by every bundle's {@link RuntimeService} and by the
 * {@link TaskServiceComponent}; not visible outside this bundle.
 *
 * <h2>Observation without side effects</h2>
 * The whiteboard is tracked by service reference; a service object is got only to be read, and
 * released at once, and only when getting it runs no code of its provider's: a plain registered
 * object, or a Declarative Services component that is already active. A delayed component that
 * nobody uses is listed as unused, not activated. A MultiOpen published with views is read
 * through the shared object its views use, never got for the listing. The only user code this
 * runs is the read-only queries of the listed objects, outside any lock of this class.
 *
 * <p>Thread-safe: the tracked objects are in concurrent maps and service trackers; the history
 * has its own monitor.
 */
@Component(service = Registry.class, immediate = true)
public final class Registry {

    /** How many RunStates that are no longer tracked {@code runStates(true)} remembers. */
    static final int HISTORY_SIZE = 100;

    private static final System.Logger LOG = System.getLogger(Registry.class.getName());
    private static final String COMPONENT_ID = "component.id";
    private static final String COMPONENT_NAME = "component.name";

    private final BundleContext context;
    private final History history = new History(HISTORY_SIZE);
    /** The RunStates tracked through {@link #track}, by a key of their registration. */
    private final Map<Object, Tracked> tracked = new ConcurrentHashMap<>();
    private final ServiceTracker<RunState, ServiceReference<RunState>> runStateServices;
    private final ServiceTracker<MultiOpen, ServiceReference<MultiOpen>> multiOpenServices;
    @SuppressWarnings("rawtypes")
    private final ServiceTracker<Pool, ServiceReference<Pool>> poolServices;

    /** Tells whether a component is active, so that getting its service activates nothing. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceComponentRuntime scr;

    /** A RunState tracked through {@link #track}, and what to undo when it stops being tracked. */
    private static final class Tracked {
        final RunState runState;
        final long bundleId;
        final String bundle;
        final Source source;
        /** Runs once when untracked (removes an end listener, tells the owner); may be null. */
        volatile Runnable onUntrack;

        Tracked(RunState runState, long bundleId, String bundle, Source source) {
            this.runState = runState;
            this.bundleId = bundleId;
            this.bundle = bundle;
            this.source = source;
        }

        RunStateInfo info() {
            return Registry.info(runState, bundleId, bundle, source);
        }
    }

    @Activate
    public Registry(BundleContext context) {
        this.context = context;
        runStateServices = new ServiceTracker<>(context, RunState.class, new ByReference<>() {
            @Override
            public void removedService(ServiceReference<RunState> ref, ServiceReference<RunState> same) {
                remember(ref);
            }
        });
        multiOpenServices = new ServiceTracker<>(context, MultiOpen.class, new ByReference<>());
        poolServices = new ServiceTracker<>(context, Pool.class, new ByReference<>());
        runStateServices.open();
        multiOpenServices.open();
        poolServices.open();
    }

    /** Tracks service references only: no service object is got to track a service. */
    private static class ByReference<S> implements ServiceTrackerCustomizer<S, ServiceReference<S>> {
        @Override
        public ServiceReference<S> addingService(ServiceReference<S> ref) {
            return ref;
        }

        @Override
        public void modifiedService(ServiceReference<S> ref, ServiceReference<S> same) {
        }

        @Override
        public void removedService(ServiceReference<S> ref, ServiceReference<S> same) {
        }
    }

    /** At the runtime's end (often the framework's): what is still open or leased is reported. */
    @Deactivate
    void deactivate() {
        runStateServices.close();
        multiOpenServices.close();
        poolServices.close();
        List<LeakDetection.Holder> held = LeakDetection.held();
        if (!held.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, () -> "the cs.resources runtime stops with " + held.size()
                    + (held.size() == 1 ? " open or lease" : " opens or leases") + " still held:\n"
                    + held.stream().map(LeakDetection.Holder::describe).collect(Collectors.joining("\n")));
        }
    }

    // ------------------------------------------------------------------------ reading services

    /**
     * Whether getting {@code ref}'s service runs none of its provider's code: a plain object, or a
     * Declarative Services component that is already active (getting a delayed one that is not
     * would activate it).
     */
    private boolean mayGet(ServiceReference<?> ref) {
        if (ref.getProperty(COMPONENT_ID) != null) {
            return componentActive(ref);
        }
        return Constants.SCOPE_SINGLETON.equals(ref.getProperty(Constants.SERVICE_SCOPE));
    }

    private boolean componentActive(ServiceReference<?> ref) {
        ServiceComponentRuntime runtime = scr;
        Bundle b = ref.getBundle();
        if (runtime == null || b == null || !(ref.getProperty(COMPONENT_NAME) instanceof String name)
                || !(ref.getProperty(COMPONENT_ID) instanceof Long id)) {
            return false;
        }
        ComponentDescriptionDTO d = runtime.getComponentDescriptionDTO(b, name);
        if (d == null) {
            return false;
        }
        for (ComponentConfigurationDTO c : runtime.getComponentConfigurationDTOs(d)) {
            if (c.id == id) {
                return c.state == ComponentConfigurationDTO.ACTIVE;
            }
        }
        return false;
    }

    /**
     * Reads a service if that is free of side effects: gets it, applies {@code read}, releases it.
     *
     * @return what {@code read} returned; null if the service may not be got or is gone
     */
    private <S, R> R read(ServiceReference<S> ref, Function<? super S, R> read) {
        if (!mayGet(ref)) {
            return null;
        }
        S service;
        try {
            service = context.getService(ref);
        } catch (IllegalStateException | IllegalArgumentException gone) {
            return null;
        }
        if (service == null) {
            return null;
        }
        try {
            return read.apply(service);
        } finally {
            try {
                context.ungetService(ref);
            } catch (IllegalStateException gone) {
                // this bundle is stopping
            }
        }
    }

    // ------------------------------------------------------------------------------- RunStates

    /** Builds what the runtime shows of a RunState: the one place that reads a RunState for it. */
    static RunStateInfo info(RunState rs, long bundleId, String bundle, Source source) {
        return RunStateInfos.of(rs, bundleId, bundle, source);
    }

    private RunStateInfo info(ServiceReference<RunState> ref, RunState rs) {
        Bundle b = ref.getBundle();
        return b == null ? null : info(rs, b.getBundleId(), name(b), Source.SERVICE);
    }

    /** A RunState service goes away (its service is still valid now): its last values are kept. */
    private void remember(ServiceReference<RunState> ref) {
        RunStateInfo last = read(ref, rs -> info(ref, rs));
        if (last != null) {
            history.add(last);
        }
    }

    /**
     * Tracks a RunState on behalf of {@code owner} until the returned registration is closed (or,
     * with {@code dropWhenEnded}, until it ends: one that has already ended is not listed at all).
     * {@code onUntrack} (may be null) runs once, when it stops being tracked for whatever reason.
     */
    Registration track(RunState runState, Bundle owner, Source source, boolean dropWhenEnded, Runnable onUntrack) {
        Objects.requireNonNull(runState, "runState");
        Object key = new Object();
        Tracked t = new Tracked(runState, owner.getBundleId(), name(owner), source);
        tracked.put(key, t);
        Registration onEnd = dropWhenEnded ? runState.onEnd(rs -> untrack(key)) : null;
        t.onUntrack = () -> {
            if (onEnd != null) {
                onEnd.close();
            }
            if (onUntrack != null) {
                onUntrack.run();
            }
        };
        if (dropWhenEnded && ended(runState)) {
            untrack(key); // it ended before its end listener was there
        }
        return () -> untrack(key);
    }

    private static boolean ended(RunState rs) {
        return !rs.isRunning() && rs.startTime().isPresent();
    }

    private void untrack(Object key) {
        Tracked t = tracked.remove(key);
        if (t == null) {
            return;
        }
        Runnable undo = t.onUntrack;
        if (undo != null) {
            undo.run();
        }
        history.add(t.info());
    }

    /**
     * A live RunState to act on: tracked directly, or a whiteboard service, which is got again for
     * the act and released after it.
     */
    private record Target(RunState direct, ServiceReference<RunState> ref, String name) {
    }

    /** Applies {@code act} to the RunState of {@code t}. */
    private void act(Target t, java.util.function.Consumer<RunState> act) {
        if (t.direct() != null) {
            act.accept(t.direct());
        } else {
            read(t.ref(), rs -> {
                act.accept(rs);
                return Boolean.TRUE;
            });
        }
    }

    /** The RunStates known now, each once, as read now; the live ones also as targets. */
    private final class Snapshot {
        /** By id: the live ones (not ended). */
        final Map<Long, Target> live = new TreeMap<>();
        /** By id: every tracked one, as read now. */
        final Map<Long, RunStateInfo> infos = new TreeMap<>();

        Snapshot() {
            for (Tracked t : tracked.values()) {
                RunStateInfo i = t.info();
                add(new Target(t.runState, null, t.runState.name()), i);
                addChildren(t.runState, i);
            }
            for (ServiceReference<RunState> ref : references(runStateServices)) {
                read(ref, rs -> {
                    RunStateInfo i = info(ref, rs);
                    if (i != null) {
                        add(new Target(null, ref, rs.name()), i);
                        addChildren(rs, i);
                    }
                    return i;
                });
            }
        }

        /**
         * The live children of a listed RunState are listed too (and act on), as the parent's
         * bundle and source show them; a child tracked itself keeps its own entry (added first).
         */
        private void addChildren(RunState parent, RunStateInfo parentInfo) {
            for (RunState child : parent.children()) {
                RunStateInfo i = info(child, parentInfo.bundleId(), parentInfo.bundle(), parentInfo.source());
                if (!infos.containsKey(i.id())) {
                    add(new Target(child, null, child.name()), i);
                    addChildren(child, i);
                }
            }
        }

        private void add(Target target, RunStateInfo info) {
            if (infos.putIfAbsent(info.id(), info) == null && info.isLive()) {
                live.put(info.id(), target);
            }
        }

        /** @return the ended ones, tracked or in the history, by id */
        Map<Long, RunStateInfo> ended() {
            Map<Long, RunStateInfo> ended = new TreeMap<>();
            infos.forEach((id, i) -> {
                if (!i.isLive()) {
                    ended.put(id, i);
                }
            });
            for (RunStateInfo h : history.entries()) {
                ended.putIfAbsent(h.id(), h);
            }
            return ended;
        }
    }

    List<RunStateInfo> runStates(boolean includeEnded) {
        Snapshot now = new Snapshot();
        Map<Long, RunStateInfo> byId = new TreeMap<>();
        now.infos.forEach((id, i) -> {
            if (includeEnded || i.isLive()) {
                byId.put(id, i);
            }
        });
        if (includeEnded) {
            for (RunStateInfo h : history.entries()) {
                byId.putIfAbsent(h.id(), h);
            }
        }
        return List.copyOf(byId.values());
    }

    /**
     * Applies {@code act} to the live RunStates that {@code idsOrNames} name, all-or-nothing (see
     * {@link Selection}), and returns them as they are after it, by id.
     */
    List<RunStateInfo> apply(String verb, Collection<String> idsOrNames, java.util.function.Consumer<RunState> act) {
        Snapshot before = new Snapshot();
        Map<Long, Target> chosen = Selection.choose(verb, idsOrNames, before.live, Target::name, before.ended());
        chosen.values().forEach(t -> act(t, act));
        return after(chosen, before);
    }

    /** @return the chosen RunStates as they are now, by id (their last known values if gone) */
    private List<RunStateInfo> after(Map<Long, Target> chosen, Snapshot before) {
        Map<Long, RunStateInfo> after = new Snapshot().infos;
        List<RunStateInfo> result = new ArrayList<>();
        for (Long id : chosen.keySet()) {
            RunStateInfo i = after.get(id);
            if (i == null) {
                i = history.entries().stream().filter(h -> h.id() == id).findFirst().orElse(before.infos.get(id));
            }
            result.add(i);
        }
        return List.copyOf(result);
    }

    List<RunStateInfo> cancel(Collection<String> idsOrNames) {
        return apply("cancel", idsOrNames, RunState::cancel);
    }

    // ------------------------------------------------------------------------------ MultiOpens

    List<MultiOpenInfo> multiOpens() {
        Map<Long, MultiOpenInfo> byId = new TreeMap<>();
        Set<ServiceReference<?>> republished = new HashSet<>();
        for (MultiOpenServices.Published p : MultiOpenServices.published()) {
            p.original().ifPresent(republished::add);
            MultiOpenInfo info = info(p);
            if (info != null) {
                byId.put(info.serviceId(), info);
            }
        }
        for (ServiceReference<MultiOpen> ref : references(multiOpenServices)) {
            if (republished.contains(ref) || ref.getProperty(MultiOpenServices.VIEWS) != null) {
                continue; // listed through its views
            }
            Bundle b = ref.getBundle();
            if (b == null) {
                continue;
            }
            List<String> interfaces = List.of((String[]) ref.getProperty(Constants.OBJECTCLASS));
            MultiOpenInfo info = read(ref, mo -> info(serviceId(ref), mo, b, interfaces, List.of(), true));
            byId.putIfAbsent(serviceId(ref), info != null ? info : unused(serviceId(ref), ref, b, interfaces));
        }
        return List.copyOf(byId.values());
    }

    /** @return a publication with views as listed; null if it is gone and nothing is held */
    private MultiOpenInfo info(MultiOpenServices.Published p) {
        List<MultiOpenInfo.ConsumerOpens> consumers = p.opens().stream()
                .map(o -> new MultiOpenInfo.ConsumerOpens(o.bundleId(), o.bundle(), o.opens()))
                .toList();
        boolean registered = p.isRegistered();
        if (!registered && consumers.isEmpty()) {
            return null;
        }
        Bundle b = p.registrant();
        MultiOpen shared = p.shared().orElse(null);
        if (shared != null) {
            return info(p.serviceId(), shared, b, p.interfaces(), consumers, registered);
        }
        ServiceReference<?> original = p.original().orElse(null);
        if (original != null) {
            MultiOpenInfo read = read(original, o -> o instanceof MultiOpen mo
                    ? info(p.serviceId(), mo, b, p.interfaces(), consumers, registered) : null);
            if (read != null) {
                return read;
            }
            return unused(p.serviceId(), original, b, p.interfaces());
        }
        return null;
    }

    private static MultiOpenInfo info(long serviceId, MultiOpen mo, Bundle b, List<String> interfaces,
            List<MultiOpenInfo.ConsumerOpens> consumers, boolean registered) {
        MultiOpenInfo.Phase phase = mo.isOpen() ? MultiOpenInfo.Phase.OPEN
                : mo.isClosed() ? MultiOpenInfo.Phase.CLOSED : MultiOpenInfo.Phase.NEW;
        String failure = mo.lastStartupFailure().map(Registry::describe).orElse(null);
        boolean retired = mo instanceof AbstractMultiOpen a && a.isRetired();
        return new MultiOpenInfo(serviceId, mo.getClass().getName(), b.getBundleId(), name(b), mo.openCount(), phase,
                interfaces, consumers, registered, retired, failure);
    }

    /** A MultiOpen service nobody uses yet, listed without being got. */
    private static MultiOpenInfo unused(long serviceId, ServiceReference<?> ref, Bundle b, List<String> interfaces) {
        Object component = ref.getProperty(COMPONENT_NAME);
        String className = component instanceof String s ? s : interfaces.get(0);
        return new MultiOpenInfo(serviceId, className, b.getBundleId(), name(b), 0, MultiOpenInfo.Phase.UNUSED,
                interfaces, List.of(), true, false, null);
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getName() + (m != null ? ": " + m : "");
    }

    // ----------------------------------------------------------------------------------- Pools

    List<PoolInfo> pools() {
        Map<Long, PoolInfo> byId = new TreeMap<>();
        for (@SuppressWarnings("rawtypes") ServiceReference<Pool> ref : references(poolServices)) {
            Bundle b = ref.getBundle();
            if (b == null) {
                continue;
            }
            PoolInfo info = read(ref, pool -> new PoolInfo(serviceId(ref), pool.name(), b.getBundleId(), name(b),
                    pool.maxSize(), pool.maxTotal(), pool.isClosed(), pool.stats()));
            if (info != null) {
                byId.put(info.serviceId(), info);
            }
        }
        return List.copyOf(byId.values());
    }

    // --------------------------------------------------------------------------------- holders

    List<LeakDetection.Holder> holders(long serviceId) {
        for (MultiOpenServices.Published p : MultiOpenServices.published()) {
            if (p.serviceId() == serviceId || p.reference().map(Registry::serviceId).orElse(-1L) == serviceId) {
                List<LeakDetection.Holder> held = p.shared().map(LeakDetection::holders).orElse(null);
                if (held != null) {
                    return held;
                }
                return p.original().map(o -> read(o, LeakDetection::holders)).orElse(List.of());
            }
        }
        for (ServiceReference<MultiOpen> ref : references(multiOpenServices)) {
            if (serviceId(ref) == serviceId) {
                List<LeakDetection.Holder> held = read(ref, LeakDetection::holders);
                return held != null ? held : List.of();
            }
        }
        for (@SuppressWarnings("rawtypes") ServiceReference<Pool> ref : references(poolServices)) {
            if (serviceId(ref) == serviceId) {
                List<LeakDetection.Holder> held = read(ref, LeakDetection::holders);
                return held != null ? held : List.of();
            }
        }
        throw new IllegalArgumentException("no MultiOpen or Pool service has the id " + serviceId);
    }

    // --------------------------------------------------------------------------------- helpers

    private static <S> List<ServiceReference<S>> references(ServiceTracker<S, ServiceReference<S>> tracker) {
        Map<ServiceReference<S>, ServiceReference<S>> tracked = new LinkedHashMap<>(tracker.getTracked());
        return new ArrayList<>(tracked.keySet());
    }

    private static long serviceId(ServiceReference<?> ref) {
        return (Long) ref.getProperty(Constants.SERVICE_ID);
    }

    static String name(Bundle b) {
        String bsn = b.getSymbolicName();
        return bsn != null ? bsn : "bundle-" + b.getBundleId();
    }

    // ---------------------------------------------------------------- pause, resume (issue 11)

    /**
     * Pauses the live RunStates that {@code idsOrNames} name, all-or-nothing: each must be running
     * and not cancelled ({@code RUNNING} or already {@code PAUSED}). One that stops between the
     * check and its pause undoes the pauses made by this call; one cancelled meanwhile stays
     * {@code STOPPING} (a cancel wins over a pause).
     */
    List<RunStateInfo> pause(Collection<String> idsOrNames) {
        Snapshot before = new Snapshot();
        Map<Long, Target> chosen = Selection.choose("pause", idsOrNames, before.live, Target::name, before.ended(),
                id -> switch (before.infos.get(id).state()) {
                    case RUNNING, PAUSED -> null;
                    case STOPPING -> "is cancelled (STOPPING)";
                    default -> "is not running (" + before.infos.get(id).state() + ")";
                });
        List<RunState> paused = new ArrayList<>();
        for (Map.Entry<Long, Target> e : chosen.entrySet()) {
            try {
                act(e.getValue(), rs -> {
                    if (!rs.isPaused()) {
                        rs.pause();
                        paused.add(rs);
                    }
                });
            } catch (IllegalStateException stopped) {
                paused.forEach(RunState::resume);
                throw new IllegalArgumentException("pause: RunState " + e.getKey() + " stopped meanwhile; nothing was paused",
                        stopped);
            }
        }
        return after(chosen, before);
    }

    /** Resumes the live RunStates that {@code idsOrNames} name, all-or-nothing: each must be paused. */
    List<RunStateInfo> resume(Collection<String> idsOrNames) {
        Snapshot before = new Snapshot();
        Map<Long, Target> chosen = Selection.choose("resume", idsOrNames, before.live, Target::name, before.ended(),
                id -> before.infos.get(id).state() == RunState.State.PAUSED ? null
                        : "is not paused (" + before.infos.get(id).state() + ")");
        chosen.values().forEach(t -> act(t, RunState::resume));
        return after(chosen, before);
    }
}
