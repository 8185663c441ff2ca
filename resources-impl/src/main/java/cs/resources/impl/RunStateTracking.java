package cs.resources.impl;

import static cs.resources.impl.ServiceReader.name;
import static cs.resources.impl.ServiceReader.references;

import cs.resources.Registration;
import cs.resources.RunState;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateInfo.Source;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The RunStates the runtime knows: the whiteboard of RunState services, the RunStates tracked
 * directly ({@link #track}: registered through the runtime, or the task service's tasks), the
 * live children of both, and a short {@link History} of those no longer tracked. Lists them and
 * acts on them (cancel, pause, resume), all-or-nothing by {@link Selection}. A RunState that has
 * not ended is listed whatever its parent did: the live children of one that is no longer tracked
 * are tracked themselves until they end ({@link #adoptChildren}).
 *
 * <p>Whiteboard services are read by {@link ServiceReader}'s rules. A RunState service's last
 * values are read while its service is still valid (the tracker's {@code removedService} runs
 * during {@code UNREGISTERING}), so it leaves history even if it was never listed. A RunState
 * tracked with {@code dropWhenEnded} is tracked first and its end listener added after, with a
 * check that it had not already ended.
 *
 * <p>Thread-safe: the directly tracked RunStates are in a concurrent map, the services in a
 * {@link ServiceTracker}; the history has its own monitor. No lock is held while a RunState is
 * read or acted on.
 */
final class RunStateTracking {

    /** How many RunStates that are no longer tracked {@code runStates(true)} remembers. */
    static final int HISTORY_SIZE = 100;

    private final ServiceReader reader;
    private final History history = new History(HISTORY_SIZE);
    /** The RunStates tracked through {@link #track}, by a key of their registration. */
    private final Map<Object, Tracked> tracked = new ConcurrentHashMap<>();
    private final ServiceTracker<RunState, ServiceReference<RunState>> services;

    /** A RunState tracked through {@link #track}, and what to undo when it stops being tracked. */
    private static final class Tracked {
        final RunState runState;
        final long bundleId;
        final String bundle;
        final Source source;
        /** When a task waiting for its time runs next (null: it does not wait); null for none. */
        final Supplier<Instant> nextRun;
        /** Runs once when untracked (removes an end listener, tells the owner); may be null. */
        volatile Runnable onUntrack;

        Tracked(RunState runState, long bundleId, String bundle, Source source, Supplier<Instant> nextRun) {
            this.runState = runState;
            this.bundleId = bundleId;
            this.bundle = bundle;
            this.source = source;
            this.nextRun = nextRun;
        }

        RunStateInfo info() {
            return RunStateInfos.of(runState, bundleId, bundle, source, nextRun == null ? null : nextRun.get());
        }
    }

    RunStateTracking(ServiceReader reader) {
        this.reader = reader;
        services = new ServiceTracker<>(reader.context(), RunState.class, new ServiceReader.ByReference<>() {
            @Override
            public void removedService(ServiceReference<RunState> ref, ServiceReference<RunState> same) {
                remember(ref);
            }
        });
    }

    void open() {
        services.open();
    }

    void close() {
        services.close();
    }

    /** Builds what the runtime shows of a RunState: the one place that reads a RunState for it. */
    static RunStateInfo info(RunState rs, long bundleId, String bundle, Source source) {
        return RunStateInfos.of(rs, bundleId, bundle, source);
    }

    private static RunStateInfo info(ServiceReference<RunState> ref, RunState rs) {
        Bundle b = ref.getBundle();
        return b == null ? null : info(rs, b.getBundleId(), name(b), Source.SERVICE);
    }

    /**
     * A RunState service goes away (its service is still valid now): its last values are kept, and
     * its live children stay listed ({@link #adoptChildren}).
     */
    private void remember(ServiceReference<RunState> ref) {
        RunStateInfo last = reader.read(ref, rs -> {
            RunStateInfo i = info(ref, rs);
            if (i != null) {
                adoptChildren(rs, i.bundleId(), i.bundle(), i.source());
            }
            return i;
        });
        if (last != null) {
            history.add(last);
        }
    }

    // --------------------------------------------------------------------- tracked directly

    /**
     * Tracks a RunState on behalf of {@code owner} until the returned registration is closed (or,
     * with {@code dropWhenEnded}, until it ends: one that has already ended is not listed at all).
     * {@code onUntrack} (may be null) runs once, when it stops being tracked for whatever reason.
     */
    Registration track(RunState runState, Bundle owner, Source source, boolean dropWhenEnded, Runnable onUntrack) {
        return track(runState, owner, source, dropWhenEnded, onUntrack, null);
    }

    /**
     * As {@link #track(RunState, Bundle, Source, boolean, Runnable)}, for a task that may wait for
     * its time: {@code nextRun} (may be null) says when it runs next, or null while it does not
     * wait (read with no lock of ours held).
     */
    Registration track(RunState runState, Bundle owner, Source source, boolean dropWhenEnded, Runnable onUntrack,
            Supplier<Instant> nextRun) {
        return track(runState, owner.getBundleId(), name(owner), source, dropWhenEnded, onUntrack, nextRun);
    }

    /** As {@link #track(RunState, Bundle, Source, boolean, Runnable, Supplier)}, the owner given by id and name. */
    Registration track(RunState runState, long bundleId, String bundle, Source source, boolean dropWhenEnded,
            Runnable onUntrack, Supplier<Instant> nextRun) {
        Objects.requireNonNull(runState, "runState");
        Object key = new Object();
        Tracked t = new Tracked(runState, bundleId, bundle, source, nextRun);
        tracked.put(key, t);
        // Dropped when it ends; or, kept listed past its end (a task waiting for its children),
        // its children still running are listed on their own from its end on, so that each is in
        // the history when it ends (a child stuck STOPPING after its parent's cancel is listed,
        // cancellable by id, and then found with the ended ones).
        Registration onEnd = runState.onEnd(dropWhenEnded ? rs -> untrack(key)
                : rs -> adoptChildren(rs, bundleId, bundle, source));
        t.onUntrack = () -> {
            onEnd.close();
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
        adoptChildren(t.runState, t.bundleId, t.bundle, t.source);
        history.add(t.info());
    }

    /**
     * A listed RunState is no longer tracked (it ended, its registration was closed, its service
     * went): its live children were listed through it, and would hide from then on (a child stuck
     * {@code STOPPING} after its parent's cancel, not listed, not cancellable by its id, not seen
     * by the health check). So each is tracked itself until it ends, as the parent's bundle and
     * source listed it; its own children are listed through it.
     */
    private void adoptChildren(RunState parent, long bundleId, String bundle, Source source) {
        for (RunState child : parent.children()) {
            if (!child.isRunning() && child.isCancelled()) {
                continue; // never started and cancelled: nothing of it can run (run/call end at once)
            }
            boolean listed = tracked.values().stream().anyMatch(x -> x.runState == child);
            if (!listed) {
                track(child, bundleId, bundle, source, true, null, null);
            }
        }
    }

    // ------------------------------------------------------------------------------- listing

    /**
     * A live RunState to act on: tracked directly, or a whiteboard service, which is got again for
     * the act and released after it.
     */
    private record Target(RunState direct, ServiceReference<RunState> ref, String name) {
    }

    /** Applies {@code act} to the RunState of {@code t}. */
    private void act(Target t, Consumer<RunState> act) {
        if (t.direct() != null) {
            act.accept(t.direct());
        } else {
            reader.read(t.ref(), rs -> {
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
            for (ServiceReference<RunState> ref : references(services)) {
                reader.read(ref, rs -> {
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

    // -------------------------------------------------------------------------------- acting

    /**
     * How a call names the RunStates it acts on: by id or name ({@link Selection}, for the shell),
     * or by id alone (the page, JMX). Either way all-or-nothing: the chosen ones, by id, or an
     * exception listing every problem.
     */
    @FunctionalInterface
    private interface Choice {
        Map<Long, Target> choose(String verb, Snapshot before, Function<Long, String> refuse);
    }

    private static Choice byIdsOrNames(Collection<String> idsOrNames) {
        return (verb, before, refuse) -> Selection.choose(verb, idsOrNames, before.live, Target::name, before.ended(), refuse);
    }

    private static Choice byIds(Collection<Long> ids) {
        return (verb, before, refuse) -> chooseIds(verb, ids, before, refuse);
    }

    /** Chooses live RunStates by id alone: an id that is not live is a problem, whatever the names. */
    private static Map<Long, Target> chooseIds(String verb, Collection<Long> ids, Snapshot before,
            Function<Long, String> refuse) {
        Objects.requireNonNull(ids, "ids");
        if (ids.isEmpty()) {
            throw new IllegalArgumentException(verb + ": give at least one RunState id");
        }
        Map<Long, Target> chosen = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        Map<Long, RunStateInfo> ended = null;
        for (Long id : ids) {
            Objects.requireNonNull(id, "ids contains null");
            Target t = before.live.get(id);
            if (t != null) {
                String why = refuse.apply(id);
                if (why != null) {
                    problems.add("RunState " + id + " " + Text.quote(t.name()) + " " + why);
                }
                chosen.put(id, t);
                continue;
            }
            if (ended == null) {
                ended = before.ended();
            }
            RunStateInfo e = ended.get(id);
            problems.add(e != null ? "RunState " + id + " has already ended (" + e.state() + ")"
                    : "no live RunState has the id " + id);
        }
        if (!problems.isEmpty()) {
            String done = switch (verb) {
                case "cancel" -> "cancelled";
                case "pause" -> "paused";
                default -> "resumed";
            };
            throw new IllegalArgumentException(verb + ": " + String.join("; ", problems) + "; nothing was " + done
                    + " (by id only: no RunState is chosen by its name)");
        }
        return chosen;
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
        return cancel(byIdsOrNames(idsOrNames));
    }

    /** Cancels the live RunStates with these ids, chosen by id alone. */
    List<RunStateInfo> cancelByIds(Collection<Long> ids) {
        return cancel(byIds(ids));
    }

    /**
     * Applies a cancel to the live RunStates {@code choice} names, all-or-nothing, and returns them
     * as they are after it, by id.
     */
    private List<RunStateInfo> cancel(Choice choice) {
        Snapshot before = new Snapshot();
        Map<Long, Target> chosen = choice.choose("cancel", before, id -> null);
        chosen.values().forEach(t -> act(t, RunState::cancel));
        return after(chosen, before);
    }

    List<RunStateInfo> pause(Collection<String> idsOrNames) {
        return pause(byIdsOrNames(idsOrNames));
    }

    /** Pauses the live RunStates with these ids, chosen by id alone. */
    List<RunStateInfo> pauseByIds(Collection<Long> ids) {
        return pause(byIds(ids));
    }

    /**
     * Pauses the live RunStates that {@code choice} names, all-or-nothing: each must be running
     * and not cancelled ({@code RUNNING} or already {@code PAUSED}). One that stops between the
     * check and its pause undoes the pauses made by this call; one cancelled meanwhile stays
     * {@code STOPPING} (a cancel wins over a pause).
     */
    private List<RunStateInfo> pause(Choice choice) {
        Snapshot before = new Snapshot();
        Map<Long, Target> chosen = choice.choose("pause", before,
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

    List<RunStateInfo> resume(Collection<String> idsOrNames) {
        return resume(byIdsOrNames(idsOrNames));
    }

    /** Resumes the paused RunStates with these ids, chosen by id alone. */
    List<RunStateInfo> resumeByIds(Collection<Long> ids) {
        return resume(byIds(ids));
    }

    /** Resumes the live RunStates that {@code choice} names, all-or-nothing: each must be paused. */
    private List<RunStateInfo> resume(Choice choice) {
        Snapshot before = new Snapshot();
        Map<Long, Target> chosen = choice.choose("resume", before,
                id -> before.infos.get(id).state() == RunState.State.PAUSED ? null
                        : "is not paused (" + before.infos.get(id).state() + ")");
        chosen.values().forEach(t -> act(t, RunState::resume));
        return after(chosen, before);
    }
}
