package cs.resources.runtime;

import cs.resources.LeakDetection;
import cs.resources.Registration;
import cs.resources.RunState;
import java.util.Collection;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What is running and what is open, across the framework. The runtime tracks, whiteboard-style,
 * every {@link RunState}, {@link cs.resources.MultiOpen} and {@link cs.resources.Pool} that any
 * bundle registers as an OSGi service (under those class names), plus the RunStates registered
 * through {@link #register(RunState)}. It holds no lock while it calls them.
 *
 * <p>The service is bundle-scoped: each bundle gets its own view, so that what it registers
 * through {@link #register(RunState)} is listed as its own and dropped when it stops.
 */
@ProviderType
public interface ResourcesRuntime {

    /**
     * @return the RunStates that have not ended (state {@code PENDING}, {@code RUNNING},
     *     {@code PAUSED} or {@code STOPPING}), by id; the live children of a listed RunState
     *     ({@link RunState#children()}) are listed too, with its bundle and source (a child that
     *     is tracked itself is listed as tracked), and also inside its
     *     {@link RunStateInfo#children()}
     */
    List<RunStateInfo> runStates();

    /**
     * @param includeEnded also list the tracked RunStates that have ended and a short history of
     *     those no longer tracked (their last known values)
     * @return the RunStates, by id
     */
    List<RunStateInfo> runStates(boolean includeEnded);

    /**
     * Cancels RunStates. Each argument is an id (decimal) or a name; a name cancels every live
     * RunState of that name. The live children of listed RunStates match too. All arguments
     * are checked before anything is cancelled. A RunState's cancel also cancels its live children:
     * they are in the {@link RunStateInfo#children()} of what is returned.
     *
     * @param idsOrNames what to cancel; at least one
     * @return what was cancelled, by id, as it is after the cancel
     * @throws IllegalArgumentException if {@code idsOrNames} is empty, or names an id or name that
     *     matches no live RunState (the message lists them; nothing is cancelled)
     * @throws NullPointerException if {@code idsOrNames} or an element is null
     */
    List<RunStateInfo> cancel(Collection<String> idsOrNames);

    /**
     * Pauses RunStates ({@link RunState#pause()}), matched as {@link #cancel(Collection)} matches
     * them. All arguments are checked before anything is paused: each RunState they match must be
     * running and not cancelled (a paused one stays paused). If one stops between the check and
     * its pause, those paused by this call are resumed and nothing stays paused; one cancelled
     * meanwhile is left stopping (a cancel wins over a pause) and listed as such.
     *
     * @param idsOrNames what to pause; at least one
     * @return what was paused, by id, as it is after the pause
     * @throws IllegalArgumentException if {@code idsOrNames} is empty, names an id or name that
     *     matches no live RunState, or matches one that is not running or is cancelled (the message
     *     lists them; nothing is paused)
     * @throws NullPointerException if {@code idsOrNames} or an element is null
     */
    List<RunStateInfo> pause(Collection<String> idsOrNames);

    /**
     * Resumes paused RunStates ({@link RunState#resume()}), matched as {@link #cancel(Collection)}
     * matches them. All arguments are checked before anything is resumed: each RunState they match
     * must be paused.
     *
     * @param idsOrNames what to resume; at least one
     * @return what was resumed, by id, as it is after the resume
     * @throws IllegalArgumentException if {@code idsOrNames} is empty, names an id or name that
     *     matches no live RunState, or matches one that is not paused (the message lists them;
     *     nothing is resumed)
     * @throws NullPointerException if {@code idsOrNames} or an element is null
     */
    List<RunStateInfo> resume(Collection<String> idsOrNames);

    /**
     * Cancels the live RunStates with these ids, chosen by id alone: never a RunState whose name
     * happens to be one of them, so that a tool acting on what it listed (the operator's page,
     * JMX) cannot reach another RunState when one it listed has ended meanwhile (DESIGN.md,
     * third round: acting from the page and JMX is by id only). Otherwise as
     * {@link #cancel(Collection)}: all-or-nothing, live children included.
     *
     * @param ids what to cancel; at least one
     * @return what was cancelled, by id, as it is after the cancel
     * @throws IllegalArgumentException if {@code ids} is empty or holds an id that no live
     *     RunState has (the message says which, and whether it has ended; nothing is cancelled)
     * @throws NullPointerException if {@code ids} or an element is null
     */
    List<RunStateInfo> cancelByIds(Collection<Long> ids);

    /**
     * Pauses the live RunStates with these ids, chosen by id alone, as {@link #cancelByIds} chooses
     * them; otherwise as {@link #pause(Collection)}.
     *
     * @param ids what to pause; at least one
     * @return what was paused, by id, as it is after the pause
     * @throws IllegalArgumentException if {@code ids} is empty, holds an id that no live RunState
     *     has, or one that is not running or is cancelled (nothing is paused)
     * @throws NullPointerException if {@code ids} or an element is null
     */
    List<RunStateInfo> pauseByIds(Collection<Long> ids);

    /**
     * Resumes the paused RunStates with these ids, chosen by id alone, as {@link #cancelByIds}
     * chooses them; otherwise as {@link #resume(Collection)}.
     *
     * @param ids what to resume; at least one
     * @return what was resumed, by id, as it is after the resume
     * @throws IllegalArgumentException if {@code ids} is empty, holds an id that no live RunState
     *     has, or one that is not paused (nothing is resumed)
     * @throws NullPointerException if {@code ids} or an element is null
     */
    List<RunStateInfo> resumeByIds(Collection<Long> ids);

    /** @return the MultiOpen services, by service id */
    List<MultiOpenInfo> multiOpens();

    /** @return the Pool services, by service id */
    List<PoolInfo> pools();

    /**
     * Changes the cap of a Pool service, as {@link cs.resources.Pool#setMaxTotal(int)} does: an
     * operator's action. Shrinking revokes no lease.
     *
     * @param serviceId the {@code service.id} of a Pool service
     * @param maxTotal the most objects that may exist at once; 0 for no cap
     * @return the pool as it is after the change
     * @throws IllegalArgumentException if no Pool service has that id (or it cannot be reached
     *     without activating a component), or the pool refused the value: negative, or below an
     *     idle bound that was set (the message says which; nothing is changed)
     * @throws cs.resources.ClosedException if the pool is closed
     * @throws RuntimeException what the pool's disposer threw on an object let go of, after the
     *     change was made
     */
    PoolInfo setPoolMaxTotal(long serviceId, int maxTotal);

    /**
     * Changes the idle bound of a Pool service, as {@link cs.resources.Pool#setMaxSize(int)} does.
     *
     * @param serviceId the {@code service.id} of a Pool service
     * @param maxSize how many idle objects to keep; 0 for no bound
     * @return the pool as it is after the change
     * @throws IllegalArgumentException if no Pool service has that id, or the pool refused the
     *     value: negative, or above a non-zero cap (nothing is changed)
     * @throws cs.resources.ClosedException if the pool is closed
     * @throws RuntimeException what the pool's disposer threw, after the change was made
     */
    PoolInfo setPoolMaxSize(long serviceId, int maxSize);

    /**
     * Replaces every object of a Pool service, as {@link cs.resources.Pool#evictAll()} does: idle
     * objects are disposed of now, objects in use when they come back (credential rotation, failover).
     *
     * @param serviceId the {@code service.id} of a Pool service
     * @return the pool as it is after the eviction
     * @throws IllegalArgumentException if no Pool service has that id
     * @throws cs.resources.ClosedException if the pool is closed
     * @throws RuntimeException what the pool's disposer threw, after every idle object was disposed of
     */
    PoolInfo evictPool(long serviceId);

    /**
     * Who holds a MultiOpen service open or has leased from a Pool service, as
     * {@link LeakDetection} recorded it (nothing is recorded while it is off).
     *
     * @param serviceId the {@code service.id} of a MultiOpen or Pool service
     * @return the opens or leases not closed yet, oldest first
     * @throws IllegalArgumentException if no MultiOpen or Pool service has that id
     */
    List<LeakDetection.Holder> holders(long serviceId);

    /**
     * Makes a RunState visible, as this bundle's, without registering a service: for transient
     * tasks. It is listed until the registration is closed, the RunState ends (goes from running
     * to stopped), or the calling bundle stops or releases this service, whichever comes first.
     *
     * @param runState the RunState to list
     * @return closes the registration; idempotent
     * @throws NullPointerException if {@code runState} is null
     */
    Registration register(RunState runState);
}
