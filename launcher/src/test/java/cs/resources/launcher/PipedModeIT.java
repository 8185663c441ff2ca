package cs.resources.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black-box tests of the executable jar with piped standard input: each starts
 * {@code java -jar target/launcher.jar} as its own process, writes a script to its standard
 * input, closes it, and expects the process to exit by itself.
 */
class PipedModeIT {

    /** Start-up takes 1 to 4 s; a launcher still running after this has hung. */
    private static final long EXIT_WITHIN_SECONDS = 60;

    @TempDir
    Path dir;

    record Run(int status, String out, String err, double seconds) {
    }

    @Test
    void runsEachCommandLineAndExitsWithStatus0() throws Exception {
        Run run = launch("resources:runstates\nresources:opens\nlb\n");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out())
                .contains("NAME", "STATE", "RUN TIME")
                .contains("SERVICE  CLASS  BUNDLE  OPENS  PHASE  CONSUMERS")
                .containsPattern("Active\\s*\\|\\s*2\\|Apache Felix Gogo JLine Shell")
                .containsPattern("Active\\s*\\|\\s*1\\|cs.resources shell");
        assertThat(quiet(run.err())).as("standard error").isEmpty();
    }

    @Test
    void printsWhatACommandReturns() throws Exception {
        Run run = launch("(bundle 0) symbolicName\n");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).contains("org.apache.felix.framework");
    }

    @Test
    void aFailingLineIsReportedTheNextOneRunsAndTheStatusIs1() throws Exception {
        Run run = launch("resources:cancel nosuch\necho still here\nnosuchcommand\n");

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.err())
                .contains("gogo: IllegalArgumentException: cancel: no live RunState has the name \"nosuch\"")
                .contains("gogo: CommandNotFoundException: Command not found: nosuchcommand");
        assertThat(run.out()).contains("still here");
    }

    @Test
    void aTaskRunsInTheBackgroundUntilCancelled() throws Exception {
        Run run = launch("""
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
        Run run = launch("""
                resources:run sleeper { sleep 600 }
                each [1 2 3 4 5 6 7 8 9 10 11 12] { resources:run -e 10ms burst-$it { } }
                resources:runstates -p
                """);

        assertThat(run.status()).as(run.toString()).isZero();
        List<String> burst = run.out().lines().filter(l -> l.contains("\tburst-")).toList();
        assertThat(burst).as("the burst as listed when the input ended").hasSize(12);
        assertThat(burst.stream().filter(l -> l.contains("\tRUNNING\t"))).hasSize(3);
        assertThat(burst.stream().filter(l -> l.contains("\tPENDING\t"))).hasSize(9);
        assertThat(run.out()).containsPattern("\tsleeper\tRUNNING\t");
        // Gogo's sleep reports its interrupt, if the sleep had begun when the cancel came: the
        // one line that may appear.
        assertThat(quiet(run.err())).as("standard error")
                .isIn("", "sleep: java.lang.InterruptedException: sleep interrupted");
        assertThat(run.seconds()).as("seconds from start to exit").isLessThan(20);
    }

    @Test
    void aClosureMaySpanLines() throws Exception {
        Run run = launch("each [1 2] {\n    echo item $it\n}\necho done\n");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).containsSubsequence("item 1", "item 2", "done");
    }

    @Test
    void anUnfinishedCommandAtTheEndOfInputFails() throws Exception {
        Run run = launch("echo {\n");

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).startsWith("gogo: ");
    }

    @Test
    void emptyInputExitsWithStatus0() throws Exception {
        Run run = launch("");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(quiet(run.err())).as("standard error").isEmpty();
    }

    private Run launch(String input) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("launcher.jar", "target/launcher.jar"));
        assertThat(jar).as("the executable jar; run through mvn verify").isRegularFile();
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write(input.getBytes(UTF_8));
        }
        if (!p.waitFor(EXIT_WITHIN_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            fail("still running " + EXIT_WITHIN_SECONDS + " s after its input ended; stdout:%n%s%nstderr:%n%s",
                    Files.readString(out), Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err), (System.nanoTime() - t0) / 1e9);
    }

    /** Standard error without what the JVM itself may print (say, for JAVA_TOOL_OPTIONS). */
    private static String quiet(String err) {
        return err.lines().filter(l -> !l.startsWith("Picked up ")).collect(Collectors.joining("\n"));
    }
}
