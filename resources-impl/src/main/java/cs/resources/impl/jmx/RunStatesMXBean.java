package cs.resources.impl.jmx;

import java.util.List;

/**
 * The RunStates the runtime tracks, as MBean {@value JmxComponent#RUN_STATES}: the same as
 * {@code resources:runstates} and {@code resources:cancel}. Every value is an open type (a
 * RunState is a {@code CompositeData}), so any JMX client reads it without our classes.
 */
public interface RunStatesMXBean {

    /**
     * @return the RunStates that have not ended (pending, running, paused or stopping), by id, each
     *     followed by its live children (rows of their own, with their parent's id)
     */
    List<RunStateData> getRunStates();

    /**
     * @param includeEnded also list ended RunStates and recently dropped ones
     * @return the RunStates, by id, each followed by its live children
     */
    List<RunStateData> listRunStates(boolean includeEnded);

    /**
     * Cancels the live RunState of this id, or every live RunState of this name.
     *
     * @param idOrName a RunState id (decimal) or name
     * @return what was cancelled, as it is after the cancel
     * @throws IllegalArgumentException if no live RunState has this id or name (nothing is cancelled)
     */
    List<RunStateData> cancel(String idOrName);

    /**
     * Pauses the live RunState of this id, or every live RunState of this name.
     *
     * @param idOrName a RunState id (decimal) or name
     * @return what was paused, as it is after the pause
     * @throws IllegalArgumentException if no live RunState has this id or name, or one that it
     *     matches is not running or is cancelled (nothing is paused)
     */
    List<RunStateData> pause(String idOrName);

    /**
     * Resumes the paused RunState of this id, or every live RunState of this name.
     *
     * @param idOrName a RunState id (decimal) or name
     * @return what was resumed, as it is after the resume
     * @throws IllegalArgumentException if no live RunState has this id or name, or one that it
     *     matches is not paused (nothing is resumed)
     */
    List<RunStateData> resume(String idOrName);
}
