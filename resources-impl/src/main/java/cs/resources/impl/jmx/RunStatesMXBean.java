package cs.resources.impl.jmx;

import java.util.List;

/**
 * The RunStates the runtime tracks, as MBean {@value JmxComponent#RUN_STATES}: the same as
 * {@code resources:runstates} and {@code resources:cancel}. Every value is an open type (a
 * RunState is a {@code CompositeData}), so any JMX client reads it without our classes.
 */
public interface RunStatesMXBean {

    /** @return the RunStates that have not ended (pending, running or stopping), by id */
    List<RunStateData> getRunStates();

    /**
     * @param includeEnded also list ended RunStates and recently dropped ones
     * @return the RunStates, by id
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
}
