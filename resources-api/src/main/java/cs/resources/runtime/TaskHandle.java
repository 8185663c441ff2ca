package cs.resources.runtime;

import cs.resources.RunState;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A task submitted to the {@link TaskService}: its {@link RunState} and its outcome.
 *
 * <p>The outcome completes once the task has ended, and only then: with the task's result (what
 * its {@link java.util.concurrent.Callable} returned; {@code null} for a {@link Task}) if it
 * returned without having been cancelled; exceptionally with a
 * {@link java.util.concurrent.CancellationException} if it was cancelled (while waiting, in which
 * case it never runs and its RunState ends {@code CANCELLED} at once, or while running and it then
 * ended), whose message gives the {@link #cancelReason() reason} when there is one; exceptionally
 * with what it threw otherwise. As a {@link Future}, {@link #get()} returns the result, throws
 * {@code CancellationException}, or throws an {@code ExecutionException} around the failure;
 * {@link #cancel(boolean)} cancels the RunState (and with {@code true} interrupts a running task).
 *
 * <p>A task with children (tasks submitted from inside its body, and the children of its RunState
 * that it started) ends when its body has returned and every such child has ended. A child task
 * that fails cancels its parent (with a reason naming it), and so the parent's other children; the
 * parent's outcome is then that failure, unless the parent failed itself (its own failure wins).
 * A child that is cancelled, or a child RunState whose body threw, does not fail the parent.
 *
 * <p>A task scheduled at a fixed rate ({@link TaskService#scheduleAtFixedRate}) ends only when it
 * is cancelled (its outcome: a {@code CancellationException}) or a run fails (that failure; no
 * more runs, as with {@link java.util.concurrent.ScheduledExecutorService}); it never completes
 * normally.
 *
 * <p>Memory consistency effects: actions of the task happen-before the completion of its outcome
 * is seen, through {@link #get()} or a stage depending on {@link #completion()}.
 *
 * @param <T> the type of the task's result ({@link Void} for a {@link Task})
 */
@ProviderType
public interface TaskHandle<T> extends Future<T> {

    /** @return the task's RunState */
    RunState runState();

    /**
     * @return the outcome as a stage to depend on (it cannot be completed through this stage)
     */
    CompletionStage<T> completion();

    /**
     * @return the failure the task ended with: what it threw (and not merely as the end of a
     *     cancel), or what a child task that failed threw; empty otherwise
     */
    Optional<Throwable> failure();

    /**
     * Cancels the task, saying why: as {@link #cancel(boolean) cancel(false)}, with the reason
     * kept by its RunState ({@link RunState#cancelReason()}), shown in the runtime's listing, in
     * the task service's events and in the message of the outcome's
     * {@link java.util.concurrent.CancellationException}. A task waiting for its time or a thread
     * ends at once; a repeating one runs no more.
     *
     * @param reason why, for people; null for none
     * @return false if the task had already ended (nothing changes), true otherwise
     */
    boolean cancel(String reason);

    /**
     * @return why the task was cancelled: the reason its RunState was first cancelled with, kept
     *     once the task has ended; empty if it was not cancelled or no reason was given
     */
    Optional<String> cancelReason();

    /**
     * @return when the task is due to run next: for a task {@link TaskService#schedule scheduled}
     *     for later, until it is queued for a thread; for a repeating task, between its runs;
     *     empty otherwise (queued, running, ended)
     */
    Optional<Instant> nextRun();
}
