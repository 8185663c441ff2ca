package cs.resources;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Gives a class that owns a {@link RunState} the RunState's control and queries as its own (the
 * Python library's {@code RunStateMixin}): implement {@link #runState()}, get the rest.
 *
 * <pre>{@code
 * class Crawler implements RunStateMixin {
 *     private final RunState runState = new RunState("crawler");
 *     public RunState runState() { return runState; }
 * }
 * crawler.cancel();   // runState().cancel()
 * }</pre>
 */
@ConsumerType
public interface RunStateMixin {
    /** @return the RunState this object's methods delegate to; never null */
    RunState runState();

    /** Calls {@link RunState#cancel()}. */
    default void cancel() {
        runState().cancel();
    }

    /** @return {@link RunState#isCancelled()} */
    default boolean isCancelled() {
        return runState().isCancelled();
    }

    /** @return {@link RunState#isRunning()} */
    default boolean isRunning() {
        return runState().isRunning();
    }

    /** @return {@link RunState#isStopping()} */
    default boolean isStopping() {
        return runState().isStopping();
    }

    /** @return {@link RunState#isStopped()} */
    default boolean isStopped() {
        return runState().isStopped();
    }
}
