package cs.resources.runtime;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the {@link TaskService} runs a task. Immutable; start from {@link #defaults()}.
 *
 * <pre>{@code
 * tasks.submit("import", task, TaskOptions.defaults().interruptOnCancel(true).deadline(Duration.ofMinutes(5)));
 * }</pre>
 */
public final class TaskOptions {
    private static final TaskOptions DEFAULTS = new TaskOptions(false, null);

    private final boolean interruptOnCancel;
    private final Duration deadline;

    private TaskOptions(boolean interruptOnCancel, Duration deadline) {
        this.interruptOnCancel = interruptOnCancel;
        this.deadline = deadline;
    }

    /** @return no interrupt on cancel, no deadline */
    public static TaskOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param interrupt whether cancelling the task's RunState also interrupts the thread running it
     * @return options with that set
     */
    public TaskOptions interruptOnCancel(boolean interrupt) {
        return new TaskOptions(interrupt, deadline);
    }

    /**
     * @param runFor how long the task may run, from its start; when that has passed, its RunState is
     *     cancelled (and, with {@link #interruptOnCancel(boolean)}, its thread interrupted)
     * @return options with that deadline
     * @throws IllegalArgumentException if {@code runFor} is zero or negative
     * @throws NullPointerException if {@code runFor} is null
     */
    public TaskOptions deadline(Duration runFor) {
        Objects.requireNonNull(runFor, "runFor");
        if (runFor.isZero() || runFor.isNegative()) {
            throw new IllegalArgumentException("deadline must be positive, not " + runFor);
        }
        return new TaskOptions(interruptOnCancel, runFor);
    }

    /** @return whether a cancel interrupts the running task */
    public boolean interruptOnCancel() {
        return interruptOnCancel;
    }

    /** @return how long the task may run; empty for no limit */
    public Optional<Duration> deadline() {
        return Optional.ofNullable(deadline);
    }

    @Override
    public String toString() {
        return "TaskOptions[interruptOnCancel=" + interruptOnCancel + ", deadline=" + (deadline != null ? deadline : "none") + "]";
    }
}
