package cs.resources.impl.jmx;

import java.util.List;

/**
 * The RunStates the runtime tracks, as MBean {@value JmxComponent#RUN_STATES}: the same as
 * {@code resources:runstates}, and {@code resources:cancel}, {@code pause} and {@code resume} by
 * id only (DESIGN.md, section 3: acting from JMX is by id; a name is for people at the shell). Every value is an open type (a
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
     * Cancels the live RunState of this id, and its live children. By id only: a RunState is never
     * chosen by its name, so a stale id (of a RunState that has ended) cancels nothing, even if
     * another RunState is named like it.
     *
     * @param id a RunState id, in decimal ASCII digits ({@code 0}-{@code 9} only)
     * @return what was cancelled, as it is after the cancel
     * @throws IllegalArgumentException if {@code id} is not such a number, or no live RunState has
     *     it (the message says whether it has ended; nothing is cancelled)
     */
    List<RunStateData> cancel(String id);

    /**
     * Pauses the live RunState of this id, by id only as {@link #cancel(String)}.
     *
     * @param id a RunState id, in decimal ASCII digits
     * @return what was paused, as it is after the pause
     * @throws IllegalArgumentException if {@code id} is not such a number, no live RunState has it,
     *     or that one is not running or is cancelled (nothing is paused)
     */
    List<RunStateData> pause(String id);

    /**
     * Resumes the paused RunState of this id, by id only as {@link #cancel(String)}.
     *
     * @param id a RunState id, in decimal ASCII digits
     * @return what was resumed, as it is after the resume
     * @throws IllegalArgumentException if {@code id} is not such a number, no live RunState has it,
     *     or that one is not paused (nothing is resumed)
     */
    List<RunStateData> resume(String id);
}
