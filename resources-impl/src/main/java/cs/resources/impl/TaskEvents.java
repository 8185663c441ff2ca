package cs.resources.impl;

import java.util.Map;

/**
 * Where the task service sends the changes of its tasks' states: EventAdmin events, when an
 * EventAdmin is there ({@link EventAdminTaskEvents}). The task service calls {@link #post} in the
 * order the changes happen for each task, holding no lock but its own task's; an implementation
 * only queues the event (it runs no code of others in the caller's thread).
 */
public interface TaskEvents {

    /** The topics, under {@value #PREFIX}: one per change of a task's state. */
    String PREFIX = "cs/resources/task/";
    /** Accepted: queued for a thread, or waiting for its time (property {@value #NEXT_RUN}). */
    String SUBMITTED = PREFIX + "SUBMITTED";
    /** A run begins (each run of a repeating task). */
    String STARTED = PREFIX + "STARTED";
    /** Cancelled while running: asked to stop (property {@value #REASON} when one was given). */
    String STOPPING = PREFIX + "STOPPING";
    /** A run of a repeating task ended and the next is due (property {@value #NEXT_RUN}). */
    String RESCHEDULED = PREFIX + "RESCHEDULED";
    /** Ended normally; the last event of the task. */
    String COMPLETED = PREFIX + "COMPLETED";
    /** Ended with a failure (properties {@value #FAILURE} and {@code exception}); the last event. */
    String FAILED = PREFIX + "FAILED";
    /** Ended cancelled (property {@value #REASON} when one was given); the last event. */
    String CANCELLED = PREFIX + "CANCELLED";

    /** The task's RunState id (Long). */
    String ID = "task.id";
    /** The task's name (String). */
    String NAME = "task.name";
    /** Its RunState's state when the event was made (String, a {@code RunState.State} name). */
    String STATE = "task.state";
    /** The id of the parent task's RunState, for a child task (Long). */
    String PARENT_ID = "task.parentId";
    /** Why it was cancelled (String). */
    String REASON = "task.reason";
    /** What it failed with, as {@code Throwable.toString()} gives it (String). */
    String FAILURE = "task.failure";
    /** When it runs next, in milliseconds since the epoch (Long). */
    String NEXT_RUN = "task.nextRun";

    /** @return whether events go anywhere now (when not, the task service does not make them) */
    boolean listening();

    /**
     * Queues an event; returns at once.
     *
     * @param topic one of the topics above
     * @param properties the event's properties (not changed afterwards by the caller)
     */
    void post(String topic, Map<String, Object> properties);
}
