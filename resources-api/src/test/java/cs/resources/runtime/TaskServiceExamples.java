package cs.resources.runtime;

import cs.resources.RunState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The task service's README examples, compiled here against the API ({@code ReadmeSnippetsTest}
 * checks that the README shows them as they are). The service itself lives in the runtime bundle,
 * which this module cannot run: what they show is tested there ({@code TaskServiceTest} of
 * resources-impl, without a framework, and the itests {@code TaskServiceIT} and
 * {@code TaskEventsIT}, in Felix and Equinox).
 */
final class TaskServiceExamples {

    private TaskServiceExamples() {
    }

    static void submitAndSchedule(TaskService tasks) throws Exception {
        // README:tasks
        TaskHandle<Long> rows = tasks.submit("count rows", () -> countRows());   // a Callable: its result
        long n = rows.get();                                                       // a Future and a CompletionStage

        TaskHandle<Void> report = tasks.schedule("report", run -> sendReport(run), Duration.ofMinutes(5));
        Optional<Instant> due = report.nextRun();                                  // the listing shows it too
        TaskHandle<Void> cleanup = tasks.scheduleAtFixedRate("cleanup", run -> cleanUp(run),
                Duration.ZERO, Duration.ofHours(1));                               // one task, listed once
        cleanup.cancel("replaced by the nightly job");                             // no more runs; the reason is
                                                                                   // listed and in the outcome
        // README:end
        use(n);
        use(due);
    }

    static void children(TaskService tasks, List<String> files) {
        // README:childtasks
        TaskHandle<Integer> all = tasks.submit("import all", () -> {
            for (String f : files) {
                tasks.submit("import " + f, () -> importFile(f));   // a child: cancelled with its parent
            }
            return files.size();                                    // done once every child has ended
        });
        // README:end
        use(all);
    }

    private static long countRows() {
        return 0;
    }

    private static void sendReport(RunState run) {
        use(run);
    }

    private static void cleanUp(RunState run) {
        use(run);
    }

    private static int importFile(String f) {
        return f.length();
    }

    private static void use(Object o) {
        // the examples' values, used
    }
}
