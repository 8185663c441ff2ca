package cs.resources.runtime;

import cs.resources.RunState;
import org.osgi.annotation.versioning.ConsumerType;

/** The body of a task run by the {@link TaskService}. */
@ConsumerType
@FunctionalInterface
public interface Task {
    /**
     * Does the work, polling {@code runState} ({@link RunState#isCancelled()},
     * {@link RunState#sleep(java.time.Duration)}) to stop early when cancelled.
     *
     * @param runState this task's RunState, already started; it is stopped when this returns
     * @throws Exception to end the task as failed: it is logged and the RunState is cancelled
     */
    void run(RunState runState) throws Exception;
}
