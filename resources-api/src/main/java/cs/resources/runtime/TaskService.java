package cs.resources.runtime;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs named background tasks on a bounded number of threads, each task with a
 * {@link cs.resources.RunState} that the {@link ResourcesRuntime} lists (source
 * {@link RunStateInfo.Source#TASK}) and that anyone may cancel.
 *
 * <p>Nothing a consumer can call shuts this service down: its life is its component's. When the
 * component is deactivated (the runtime bundle stops, or its configuration goes), it refuses new
 * tasks, ends every queued task as cancelled, cancels the running ones, gives them a configurable
 * grace period to end, then interrupts them; the deactivation itself returns at once, and the
 * runtime lists the tasks winding down. After that, {@link #submit} throws
 * {@link cs.resources.ClosedException}.
 *
 * <p>No more tasks run at once than configured ({@code threads}, configuration
 * {@code cs.resources.tasks}), also right after a reconfiguration that lowers it: the tasks running
 * then go on, and no queued task starts until fewer than the new number run. Queued tasks start
 * in submission order.
 */
@ProviderType
public interface TaskService {

    /**
     * Runs {@code task} in the background as soon as a thread is free; cancelling its RunState
     * asks it to stop (cooperatively: the task polls).
     *
     * @param name the task's name (its RunState's name)
     * @param task the work
     * @return the task's handle: its RunState ({@code PENDING} until a thread runs it, then
     *     started, stopped when the task returns and cancelled too if it threw) and its outcome
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if {@code name} or {@code task} is null
     */
    TaskHandle submit(String name, Task task);

    /**
     * As {@link #submit(String, Task)}; if {@code interruptOnCancel}, cancelling the RunState also
     * interrupts the thread running the task (for work that blocks rather than polls).
     *
     * @param name the task's name
     * @param task the work
     * @param interruptOnCancel whether a cancel interrupts the running task
     * @return the task's handle
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if {@code name} or {@code task} is null
     */
    TaskHandle submit(String name, Task task, boolean interruptOnCancel);

    /**
     * As {@link #submit(String, Task)}, with options: interrupt on cancel, and a deadline after
     * which a running task is cancelled.
     *
     * @param name the task's name
     * @param task the work
     * @param options how to run it
     * @return the task's handle
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if an argument is null
     */
    TaskHandle submit(String name, Task task, TaskOptions options);
}
