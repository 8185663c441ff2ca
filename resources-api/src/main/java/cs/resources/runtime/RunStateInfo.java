package cs.resources.runtime;

import cs.resources.RunState;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A RunState as the runtime sees it, at one moment.
 *
 * @param id {@link RunState#id()}
 * @param name {@link RunState#name()}, as given (may hold any character: escape it to print it)
 * @param state {@link RunState#state()}
 * @param bundleId the id of the bundle that registered it
 * @param bundle that bundle's symbolic name
 * @param startTime when it last started; null if it never did
 * @param runTime {@link RunState#runTime()}
 * @param source how it came to be tracked
 */
public record RunStateInfo(long id, String name, RunState.State state, long bundleId, String bundle,
        Instant startTime, Duration runTime, Source source) {

    /** How a RunState came to be tracked. */
    public enum Source {
        /** Registered as an OSGi service (the whiteboard). */
        SERVICE,
        /** Registered through {@link ResourcesRuntime#register(RunState)}. */
        REGISTERED,
        /** A task of the {@link TaskService}. */
        TASK
    }

    /**
     * @param id {@link RunState#id()}
     * @param name {@link RunState#name()}, as given (may hold any character: escape it to print it)
     * @param state {@link RunState#state()}
     * @param bundleId the id of the bundle that registered it
     * @param bundle that bundle's symbolic name
     * @param startTime when it last started; null if it never did
     * @param runTime {@link RunState#runTime()}
     * @param source how it came to be tracked
     * @throws NullPointerException if any argument but {@code startTime} is null
     */
    public RunStateInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(runTime, "runTime");
        Objects.requireNonNull(source, "source");
    }

    /** @return whether the RunState had not ended: {@code PENDING}, {@code RUNNING} or {@code STOPPING} */
    public boolean isLive() {
        return state == RunState.State.PENDING || state == RunState.State.RUNNING || state == RunState.State.STOPPING;
    }
}
