package cs.resources.runtime;

import cs.resources.RunState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A RunState as the runtime sees it, at one moment.
 *
 * @param id {@link RunState#id()}
 * @param name {@link RunState#name()}, as given (may hold any character: escape it to print it)
 * @param state {@link RunState#state()}
 * @param bundleId the id of the bundle it belongs to: the bundle that registered it, or, for a
 *     task ({@link Source#TASK}), the bundle that submitted it (for a child listed under a tracked
 *     parent, the parent's)
 * @param bundle that bundle's symbolic name
 * @param startTime when it last started; null if it never did
 * @param runTime {@link RunState#runTime()}
 * @param source how it came to be tracked (for a child listed under a tracked parent, the
 *     parent's)
 * @param progress {@link RunState#progress()}: done count, total (0: unknown) and message
 * @param eta {@link RunState#eta()}; null when unknown
 * @param parentId the {@link RunState#parent() parent}'s id; 0 for none (no RunState has id 0)
 * @param failure what the body of its last run threw ({@link RunState#failure()}), as
 *     {@code Throwable.toString()} gives it (class name and message; may hold any character);
 *     null if it did not throw
 * @param children its children that have not ended ({@link RunState#children()}), by id, each
 *     with its own children
 * @param cancelReason why it was cancelled ({@link RunState#cancelReason()}; may hold any
 *     character); null when it is not cancelled or no reason was given
 * @param nextRun when a task waiting for its time runs next: one scheduled for later, or a
 *     repeating task between its runs ({@link TaskHandle#nextRun()}); null otherwise
 */
public record RunStateInfo(long id, String name, RunState.State state, long bundleId, String bundle,
        Instant startTime, Duration runTime, Source source, RunState.Progress progress, Duration eta,
        long parentId, String failure, List<RunStateInfo> children, String cancelReason, Instant nextRun) {

    /** How a RunState came to be tracked. */
    public enum Source {
        /** Registered as an OSGi service (the whiteboard). */
        SERVICE,
        /** Registered through {@link ResourcesRuntime#register(RunState)}. */
        REGISTERED,
        /** A task of the {@link TaskService}. */
        TASK
    }

    /** No progress reported. */
    private static final RunState.Progress NO_PROGRESS = new RunState.Progress(0, 0, "");

    /**
     * @param id {@link RunState#id()}
     * @param name {@link RunState#name()}, as given (may hold any character: escape it to print it)
     * @param state {@link RunState#state()}
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param startTime when it last started; null if it never did
     * @param runTime {@link RunState#runTime()}
     * @param source how it came to be tracked
     * @param progress {@link RunState#progress()}
     * @param eta {@link RunState#eta()}; null when unknown
     * @param parentId the parent's id; 0 for none
     * @param failure what the body of its last run threw, as {@code Throwable.toString()}; null if it did not
     * @param children its live children, by id
     * @param cancelReason why it was cancelled; null for no reason
     * @param nextRun when a task waiting for its time runs next; null otherwise
     * @throws NullPointerException if {@code name}, {@code state}, {@code bundle},
     *     {@code runTime}, {@code source}, {@code progress} or {@code children} is null, or
     *     {@code children} holds a null
     */
    public RunStateInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(runTime, "runTime");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(progress, "progress");
        children = List.copyOf(Objects.requireNonNull(children, "children"));
    }

    /**
     * The record as it was before the cancel reason and the next run were added: no reason, no
     * next run.
     *
     * @param id {@link RunState#id()}
     * @param name {@link RunState#name()}, as given (may hold any character: escape it to print it)
     * @param state {@link RunState#state()}
     * @param bundleId the id of the bundle it belongs to
     * @param bundle that bundle's symbolic name
     * @param startTime when it last started; null if it never did
     * @param runTime {@link RunState#runTime()}
     * @param source how it came to be tracked
     * @param progress {@link RunState#progress()}
     * @param eta {@link RunState#eta()}; null when unknown
     * @param parentId the parent's id; 0 for none
     * @param failure what the body of its last run threw, as {@code Throwable.toString()}; null if it did not
     * @param children its live children, by id
     * @throws NullPointerException as the canonical constructor
     */
    public RunStateInfo(long id, String name, RunState.State state, long bundleId, String bundle,
            Instant startTime, Duration runTime, Source source, RunState.Progress progress, Duration eta,
            long parentId, String failure, List<RunStateInfo> children) {
        this(id, name, state, bundleId, bundle, startTime, runTime, source, progress, eta, parentId, failure, children,
                null, null);
    }

    /**
     * The record as it was before progress, eta, parent, failure and children were added: no
     * progress, no eta, no parent, no failure, no children.
     *
     * @param id {@link RunState#id()}
     * @param name {@link RunState#name()}, as given (may hold any character: escape it to print it)
     * @param state {@link RunState#state()}
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param startTime when it last started; null if it never did
     * @param runTime {@link RunState#runTime()}
     * @param source how it came to be tracked
     * @throws NullPointerException as the canonical constructor
     */
    public RunStateInfo(long id, String name, RunState.State state, long bundleId, String bundle,
            Instant startTime, Duration runTime, Source source) {
        this(id, name, state, bundleId, bundle, startTime, runTime, source, NO_PROGRESS, null, 0, null, List.of(), null,
                null);
    }

    /**
     * @return whether the RunState had not ended: {@code PENDING}, {@code RUNNING}, {@code PAUSED}
     *     or {@code STOPPING}, or it is a task waiting for its next run (a repeating task between
     *     its runs is {@code STOPPED} or, once cancelled, about to end)
     */
    public boolean isLive() {
        return state == RunState.State.PENDING || state == RunState.State.RUNNING || state == RunState.State.PAUSED
                || state == RunState.State.STOPPING || nextRun != null;
    }

    /** @return the {@code done / total} percentage, rounded down, 0 to 100; -1 when the total is unknown */
    public int percentDone() {
        long total = progress.total();
        if (total == 0) {
            return -1;
        }
        return (int) Math.min(100, (long) Math.floor(progress.done() * 100.0 / total));
    }
}
