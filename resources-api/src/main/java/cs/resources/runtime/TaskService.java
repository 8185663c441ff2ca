package cs.resources.runtime;

import cs.resources.MultiOpen;
import cs.resources.RunState;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs named background tasks on a bounded set of threads, each task with a {@link RunState}
 * that the {@link ResourcesRuntime} lists (source {@link RunStateInfo.Source#TASK}) and that
 * anyone may cancel.
 *
 * <p>The service is itself a {@link MultiOpen}: the component opens it when activated and
 * closes it when deactivated, and a consumer that opens it keeps it alive past a deactivation
 * until the consumer closes it. Its shutdown refuses new tasks, cancels every task (queued ones
 * never start), waits a configurable grace period for running ones to end, then interrupts them.
 * After that, {@link #submit} throws {@link cs.resources.ClosedException}.
 */
@ProviderType
public interface TaskService extends MultiOpen {

    /**
     * Runs {@code task} in the background as soon as a thread is free; cancelling its RunState
     * asks it to stop (cooperatively: the task polls).
     *
     * @param name the task's name (its RunState's name)
     * @param task the work
     * @return the task's RunState: {@code PENDING} until a thread runs it, then started; it is
     *     stopped when the task returns, and also cancelled if the task threw
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if {@code name} or {@code task} is null
     */
    RunState submit(String name, Task task);

    /**
     * As {@link #submit(String, Task)}; if {@code interruptOnCancel}, cancelling the RunState also
     * interrupts the thread running the task (for work that blocks rather than polls).
     *
     * @param name the task's name
     * @param task the work
     * @param interruptOnCancel whether a cancel interrupts the running task
     * @return the task's RunState
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if {@code name} or {@code task} is null
     */
    RunState submit(String name, Task task, boolean interruptOnCancel);
}
