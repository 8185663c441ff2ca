package cs.resources.runtime;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs named background tasks on a bounded number of threads, each task with a
 * {@link cs.resources.RunState} that the {@link ResourcesRuntime} lists (source
 * {@link RunStateInfo.Source#TASK}) and that anyone may cancel. The names follow
 * {@link java.util.concurrent.ScheduledExecutorService}: {@code submit} runs a task as soon as a
 * thread is free, {@code schedule} after a delay, {@code scheduleAtFixedRate} again and again; a
 * task is a {@link Task} (given its RunState) or a {@link Callable} (whose result the handle
 * gives; in it, {@link cs.resources.RunState#current()} is its RunState).
 *
 * <p>A task submitted from inside the body of another task (in its thread) is that task's child:
 * its RunState is a {@linkplain cs.resources.RunState#child(String) child} of the current RunState
 * (cancelled with it), and the parent's handle completes only once its children have ended (see
 * {@link TaskHandle} for what a child's failure does).
 *
 * <p>The service is bundle-scoped: the tasks a bundle submits through its own instance belong to
 * it. The runtime lists them with it ({@link RunStateInfo#bundle()}), and when the bundle releases
 * the service (it stops, is updated, refreshed or uninstalled, or no longer uses the service) its
 * tasks end: those waiting at once, the running ones cancelled with a reason naming the bundle and
 * interrupted if still running after the grace period. The limit of threads is shared by all
 * bundles.
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
    TaskHandle<Void> submit(String name, Task task);

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
    TaskHandle<Void> submit(String name, Task task, boolean interruptOnCancel);

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
    TaskHandle<Void> submit(String name, Task task, TaskOptions options);

    /**
     * Runs {@code task} in the background as soon as a thread is free, as {@code submit} of a
     * {@link Task}; its result is the handle's. In it, {@link cs.resources.RunState#current()} is
     * its RunState, to poll.
     *
     * @param <T> the result type
     * @param name the task's name (its RunState's name)
     * @param task the work
     * @return the task's handle
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if an argument is null
     */
    <T> TaskHandle<T> submit(String name, Callable<T> task);

    /**
     * As {@link #submit(String, Callable)}, with options.
     *
     * @param <T> the result type
     * @param name the task's name
     * @param task the work
     * @param options how to run it
     * @return the task's handle
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if an argument is null
     */
    <T> TaskHandle<T> submit(String name, Callable<T> task, TaskOptions options);

    /**
     * Runs {@code task} once {@code delay} has passed (then as soon as a thread is free). Until
     * then its RunState is {@code PENDING} and the runtime lists it with its next run; a cancel
     * ends it at once, without running it.
     *
     * @param name the task's name
     * @param task the work
     * @param delay how long from now; zero or negative: now
     * @return the task's handle ({@link TaskHandle#nextRun()} says when)
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if an argument is null
     */
    TaskHandle<Void> schedule(String name, Task task, Duration delay);

    /**
     * As {@link #schedule(String, Task, Duration)}, with options.
     *
     * @param name the task's name
     * @param task the work
     * @param delay how long from now; zero or negative: now
     * @param options how to run it
     * @return the task's handle
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if an argument is null
     */
    TaskHandle<Void> schedule(String name, Task task, Duration delay, TaskOptions options);

    /**
     * As {@link #schedule(String, Task, Duration)} for a {@link Callable}, whose result is the
     * handle's.
     *
     * @param <T> the result type
     * @param name the task's name
     * @param task the work
     * @param delay how long from now; zero or negative: now
     * @return the task's handle
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if an argument is null
     */
    <T> TaskHandle<T> schedule(String name, Callable<T> task, Duration delay);

    /**
     * As {@link #schedule(String, Callable, Duration)}, with options.
     *
     * @param <T> the result type
     * @param name the task's name
     * @param task the work
     * @param delay how long from now; zero or negative: now
     * @param options how to run it
     * @return the task's handle
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if an argument is null
     */
    <T> TaskHandle<T> schedule(String name, Callable<T> task, Duration delay, TaskOptions options);

    /**
     * Runs {@code task} first after {@code initialDelay}, then every {@code period} from the time
     * each run was due (a run that takes longer delays the next one, which then starts at once:
     * runs never overlap), until it is cancelled or a run fails, as
     * {@link java.util.concurrent.ScheduledExecutorService#scheduleAtFixedRate}. It is one task
     * with one RunState: started and stopped by each run, listed once, with its next run between
     * runs. Cancelling it (its RunState or its handle) stops the repetition: between runs it ends
     * at once; during a run, that run is the last. Each run has the options' deadline afresh.
     *
     * @param name the task's name
     * @param task the work of each run
     * @param initialDelay how long from now until the first run; zero or negative: now
     * @param period the time between the starts of two runs
     * @return the task's handle; its outcome completes only when the repetition stops
     * @throws IllegalArgumentException if {@code period} is zero or negative
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if an argument is null
     */
    TaskHandle<Void> scheduleAtFixedRate(String name, Task task, Duration initialDelay, Duration period);

    /**
     * As {@link #scheduleAtFixedRate(String, Task, Duration, Duration)}, with options.
     *
     * @param name the task's name
     * @param task the work of each run
     * @param initialDelay how long from now until the first run; zero or negative: now
     * @param period the time between the starts of two runs
     * @param options how to run it
     * @return the task's handle
     * @throws IllegalArgumentException if {@code period} is zero or negative
     * @throws cs.resources.ClosedException if the service is shut down (or shutting down)
     * @throws NullPointerException if an argument is null
     */
    TaskHandle<Void> scheduleAtFixedRate(String name, Task task, Duration initialDelay, Duration period,
            TaskOptions options);
}
