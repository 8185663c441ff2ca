package cs.resources.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black-box tests of the executable jar with piped standard input: each starts
 * {@code java -jar target/launcher.jar} as its own process ({@link Launch}), writes a script to
 * its standard input, closes it, and expects the process to exit by itself.
 */
class PipedModeIT {

    @TempDir
    Path dir;

    @Test
    void runsEachCommandLineAndExitsWithStatus0() throws Exception {
        Launch.Run run = launch("resources:runstates\nresources:opens\nlb\n");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out())
                .contains("NAME", "STATE", "RUN TIME")
                .contains("SERVICE  CLASS  BUNDLE  OPENS  PHASE  CONSUMERS")
                .containsPattern("Active\\s*\\|\\s*2\\|cs.resources launcher console")
                .containsPattern("Resolved\\s*\\|\\s*1\\|Apache Felix Gogo JLine Shell")
                .containsPattern("Active\\s*\\|\\s*3\\|Apache Felix File Install")
                .containsPattern("Active\\s*\\|\\s*1\\|cs.resources shell");
        assertThat(run.out().lines().filter(l -> l.matches("\\s*\\d+\\|.*")))
                .as("every bundle active but Gogo's JLine shell, a library here")
                .allMatch(l -> l.contains("|Active ") || l.contains("Gogo JLine Shell"));
        assertThat(quiet(run.err())).as("standard error").isEmpty();
    }

    @Test
    void printsWhatACommandReturns() throws Exception {
        Launch.Run run = launch("(bundle 0) symbolicName\n");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).contains("org.apache.felix.framework");
    }

    @Test
    void aFailingLineIsReportedByItsMessageTheNextOneRunsAndTheStatusIs1() throws Exception {
        Launch.Run run = launch("resources:cancel nosuch\necho still here\nnosuchcommand\n");

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.err().lines())
                .contains("cancel: no live RunState has the name \"nosuch\"; nothing was cancelled",
                        "Command not found: nosuchcommand");
        assertThat(run.err()).doesNotContain("Exception");
        assertThat(run.out()).contains("still here");
    }

    @Test
    void wrongArgumentsPrintTheCommandsUsage() throws Exception {
        Launch.Run run = launch("resources:run\nresources:runstates -x\n");

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.err())
                .contains("resources:run: wrong arguments; usage:", "the task's name", "--every")
                .contains("resources:runstates: wrong arguments; usage:", "--all", "--plain")
                .doesNotContain("Cannot coerce", "Exception");
    }

    @Test
    void exitEndsTheInputWithItsStatus() throws Exception {
        Launch.Run zero = launch("echo before\nexit\necho after\n");
        assertThat(zero.status()).as(zero.toString()).isZero();
        assertThat(zero.out()).contains("before").doesNotContain("after");

        Launch.Run three = launch("resources:cancel nosuch\nexit 3\n");
        assertThat(three.status()).as(three.toString()).isEqualTo(3);

        Launch.Run system = launch("system:exit 4\necho after\n");
        assertThat(system.status()).as("system:exit is the console's exit: " + system).isEqualTo(4);
        assertThat(system.out()).doesNotContain("after");

        Launch.Run bad = launch("exit 300\n");
        assertThat(bad.status()).as(bad.toString()).isEqualTo(1);
        assertThat(bad.err()).contains("exit: the status must be 0 to 255, not 300");
    }

    /**
     * The reproduction: a task's {@code exit 3} ended the launcher (status 3) and the
     * lines after it never ran. Now it ends the task, as its failure, and the input goes on.
     */
    @Test
    void aTasksExitDoesNotEndTheLauncher() throws Exception {
        Launch.Run run = launch("resources:run ex { exit 3 }\nsleep 2\necho still-here\n");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out().lines()).contains("still-here");
    }

    /**
     * Every way a closure could leave the console ({@code exit}, {@code console:exit},
     * {@code system:exit}, which was {@code System.exit}) ends its task only, reported as the
     * task's failure in one line each; the console's own {@code exit} still leaves.
     */
    @Test
    void everyExitOfATaskEndsTheTaskAsItsFailureAndTheConsoleGoesOn() throws Exception {
        List<String> tasks = List.of("ex-plain", "ex-console", "ex-system");
        try (PipedSession s = new PipedSession(dir)) {
            s.run("resources:run ex-plain { exit 3 }");
            s.run("resources:run ex-console { console:exit 4 }");
            s.run("resources:run ex-system { system:exit 5 }");
            s.runUntil("resources:runstates -a -p", out -> tasks.stream().allMatch(name -> out.stream()
                    .anyMatch(l -> l.contains("\t" + name + "\t") && l.contains("ends this task, not the console"))));
            assertThat(s.run("echo still-here")).containsExactly("still-here");
            s.send("exit 6");
            assertThat(s.finish()).isEqualTo(6);
        }
        List<String> warnings = Files.readAllLines(dir.resolve("stderr.txt")).stream()
                .filter(l -> l.startsWith("WARNING: ")).toList();
        assertThat(warnings).as("one line per failed task").hasSize(3)
                .allMatch(l -> l.contains("ends this task, not the console"));
        for (String name : tasks) {
            assertThat(warnings).anyMatch(l -> l.contains("task \"" + name + "\""));
        }
    }

    @Test
    void aTaskRunsInTheBackgroundUntilCancelled() throws Exception {
        Launch.Run run = launch("""
                ticks = [ ]
                resources:run -e 100ms ticker { $ticks add 1 }
                sleep 1
                resources:runstates -p
                resources:cancel ticker
                resources:runstates -a -p
                $ticks size
                """);

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).containsSubsequence("\tticker\tRUNNING\t", "\tticker\tCANCELLED\t");
        String[] lines = run.out().strip().split("\n");
        assertThat(Integer.parseInt(lines[lines.length - 1].strip())).as("ticks in about 1 s").isGreaterThan(3);
        assertThat(quiet(run.err())).as("standard error").isEmpty();
    }

    @Test
    void theFrameworkStopsCleanlyInTheMiddleOfATaskBurst() throws Exception {
        // A task blocked in a long sleep, then twelve tasks ticking every 10 ms on the remaining
        // three of the four threads (nine wait, PENDING), then end of input: the framework stops
        // with all of them running or queued. The task service's shutdown cancels them (a cancel
        // interrupts a closure; queued ones never start), so the launcher exits promptly, well
        // within the 5 s grace period, with nothing on standard error but, maybe, the interrupted sleep:
        // no task outlived the grace period, nothing failed, no thread of ours held up the exit.
        Launch.Run run = launch("""
                resources:run sleeper { sleep 600 }
                each [1 2 3 4 5 6 7 8 9 10 11 12] { resources:run -e 10ms burst-$it { } }
                resources:runstates -p
                """);

        assertThat(run.status()).as(run.toString()).isZero();
        List<String> burst = run.out().lines().filter(l -> l.contains("\tburst-")).toList();
        assertThat(burst).as("the burst as listed when the input ended").hasSize(12);
        // What holds at any instant (not a count at an instant, which depends on how far the
        // pool got): none has ended, and at most three run, the sleeper holding the fourth thread.
        assertThat(burst).allMatch(l -> l.contains("\tRUNNING\t") || l.contains("\tPENDING\t"));
        assertThat(burst.stream().filter(l -> l.contains("\tRUNNING\t"))).hasSizeLessThanOrEqualTo(3);
        assertThat(run.out()).containsPattern("\tsleeper\t(PENDING|RUNNING)\t");
        // A cancelled sleep prints nothing (its interrupt is the cancel's echo).
        assertThat(quiet(run.err())).as("standard error").isEmpty();
        assertThat(run.seconds()).as("seconds from start to exit").isLessThan(20);
    }

    @Test
    void aClosureMaySpanLines() throws Exception {
        Launch.Run run = launch("each [1 2] {\n    echo item $it\n}\necho done\n");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).containsSubsequence("item 1", "item 2", "done");
    }

    @Test
    void anUnfinishedCommandAtTheEndOfInputFails() throws Exception {
        Launch.Run run = launch("echo {\n");

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).isNotBlank().doesNotContain("Exception");
    }

    @Test
    void emptyInputExitsWithStatus0() throws Exception {
        Launch.Run run = launch("");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(quiet(run.err())).as("standard error").isEmpty();
    }

    private Launch.Run launch(String input) throws IOException, InterruptedException {
        return Launch.piped(dir, input);
    }

    private static String quiet(String err) {
        return Launch.quiet(err);
    }
}
