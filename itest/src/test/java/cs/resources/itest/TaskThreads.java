package cs.resources.itest;

import java.util.List;

/** The task service's threads, found by name, for the tests that check none outlives it. */
final class TaskThreads {
    /** Every thread of the task service's pool has a name that starts with this. */
    static final String PREFIX = "cs.resources-task-";

    private TaskThreads() {
    }

    /** @return the task service's threads alive now */
    static List<Thread> alive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(PREFIX) && t.isAlive()).toList();
    }
}
