package cs.resources.runtime;

import cs.resources.RunState;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A task submitted to the {@link TaskService}: its {@link RunState} and its outcome.
 *
 * <p>The outcome completes once the task has ended, and only then: normally if the task returned
 * without having been cancelled; exceptionally with a {@link java.util.concurrent.CancellationException}
 * if it was cancelled (while queued, in which case it never runs and its RunState ends
 * {@code CANCELLED} at once, or while running and it then ended); exceptionally with what it threw
 * otherwise. As a {@link Future}, {@link #get()} returns {@code null}, throws
 * {@code CancellationException}, or throws an {@code ExecutionException} around the failure;
 * {@link #cancel(boolean)} cancels the RunState (and with {@code true} interrupts a running task).
 *
 * <p>Memory consistency effects: actions of the task happen-before the completion of its outcome
 * is seen, through {@link #get()} or a stage depending on {@link #completion()}.
 */
@ProviderType
public interface TaskHandle extends Future<Void> {

    /** @return the task's RunState */
    RunState runState();

    /**
     * @return the outcome as a stage to depend on (it cannot be completed through this stage)
     */
    CompletionStage<Void> completion();

    /** @return the failure the task ended with, if it threw (and was not merely cancelled) */
    java.util.Optional<Throwable> failure();
}
