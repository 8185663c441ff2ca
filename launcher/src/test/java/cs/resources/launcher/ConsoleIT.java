package cs.resources.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's {@code g!} console in a real terminal (tmux), driven as a user drives it: typed
 * commands, Tab, Ctrl-D. Each test starts its own launcher. Without tmux the tests are skipped,
 * with one line saying why (.ci/run installs tmux and fails unless they ran).
 */
@ExtendWith(TmuxTerminal.Required.class)
class ConsoleIT {

    private static final String PROMPT = "g! ";

    @TempDir
    Path dir;

    private TmuxTerminal started() throws Exception {
        TmuxTerminal t = new TmuxTerminal(dir);
        t.awaitText(PROMPT);
        return t;
    }

    /**
     * The issue's first bug: cancelling six sleeping tasks, again and again, closed the JVM's
     * standard output (an interrupt closed the file channel on descriptor 1 that Gogo's sleep
     * printed its interrupt through), and the console went silent for good. Fifty rounds, then a
     * command must still print; and a cancelled sleep prints nothing.
     */
    @Test
    void cancellingSleepingTasksFiftyTimesLeavesTheConsoleWorking() throws Exception {
        try (TmuxTerminal t = started()) {
            for (int round = 1; round <= 50; round++) {
                t.enter("each [1 2 3 4 5 6] { resources:run p$it { sleep 20 } }");
                t.awaitCount(" p6 submitted;", round);
                t.enter("resources:cancel p1 p2 p3 p4 p5 p6");
                t.awaitCount("cancelled ", 6 * round);
            }
            t.enter("echo still-here");
            String seen = t.await("the echo's output on a line of its own",
                    s -> s.lines().anyMatch("still-here"::equals));
            assertThat(seen).doesNotContain("InterruptedException", "sleep interrupted");
        }
    }

    /**
     * The issue's second bug: a background {@code { cat }} read the keyboard, splitting the
     * keystrokes between the shell and the task. A task's input is empty now: {@code cat} ends at
     * once, and every typed command arrives whole.
     */
    @Test
    void aTaskThatReadsGetsEndOfFileAndTheKeyboardStaysTheShells() throws Exception {
        try (TmuxTerminal t = started()) {
            t.enter("resources:run reader { cat }");
            t.awaitText(" reader submitted;");
            for (int i = 1; i <= 3; i++) {
                t.enter("echo typed-" + i + "-whole");
                int n = i;
                t.await("typed-" + i, s -> s.lines().anyMatch(("typed-" + n + "-whole")::equals));
            }
            t.enter("resources:runstates -a -p");
            // (tmux shows the tabs of -p as spaces)
            t.await("the reader listed as STOPPED", s -> s.matches("(?s).*\\breader\\s+STOPPED\\s.*"));
        }
    }

    /** Output from a task while the user types goes above the prompt; the typed line stays whole. */
    @Test
    void backgroundOutputGoesAboveTheLineBeingTyped() throws Exception {
        try (TmuxTerminal t = started()) {
            t.enter("resources:run -e 100ms ticker { echo tick }");
            t.awaitText(" ticker submitted;");
            t.type("echo half-typed");
            int ticks = TmuxTerminal.occurrences(t.history(), "tick\n");
            t.await("five more ticks", s -> TmuxTerminal.occurrences(s, "tick\n") >= ticks + 5);
            List<String> screen = t.screen().lines().filter(l -> !l.isBlank()).toList();
            assertThat(screen.get(screen.size() - 1)).as("the last line: the prompt and what was typed")
                    .startsWith(PROMPT + "echo half-typed");
            assertThat(screen.subList(0, screen.size() - 1)).as("no tick ran into the typed line")
                    .noneMatch(l -> l.contains("half-typed"));
            t.press("Enter");
            t.await("the typed command's output", s -> s.lines().anyMatch("half-typed"::equals));
            t.enter("resources:cancel ticker");
            t.awaitText("cancelled ");
        }
    }

    /** Tab offers the resources: commands' options, and for cancel the live RunStates' ids and names. */
    @Test
    void tabCompletesOptionsAndLiveRunStates() throws Exception {
        try (TmuxTerminal t = started()) {
            t.enter("resources:run -e 1s completion-target { }");
            String seen = t.awaitText(" completion-target submitted;");
            Matcher id = Pattern.compile("task (\\d+) completion-target submitted").matcher(seen);
            assertThat(id.find()).isTrue();

            t.type("resources:runstates -");
            t.press("Tab");
            t.await("the options of runstates", s -> s.contains("--all") && s.contains("--plain"));
            t.press("C-u");

            t.typeNow("resources:cancel ");
            t.press("Tab");
            t.await("the RunState's id and name", s -> s.contains("RunState ids") && s.contains("RunState names")
                    && s.contains(id.group(1) + " (completion-target (RUNNING))"));
            t.press("C-u");
            t.typeNow("resources:cancel completion-t");
            t.press("Tab");
            t.await("the name completed", s -> s.contains(PROMPT + "resources:cancel completion-target"));
            t.press("Enter");
            t.awaitText("cancelled " + id.group(1) + " completion-target");
        }
    }

    /**
     * Errors answer as a tool does: the usage for wrong arguments, the message alone for a bad
     * value; a failing task logs one line on the console and its stack trace in the log file.
     */
    @Test
    void errorsAndFailingTasksPrintOneClearLine() throws Exception {
        try (TmuxTerminal t = started()) {
            String banner = t.history();
            Matcher log = Pattern.compile("Log \\(with stack traces\\): (\\S+)").matcher(banner);
            assertThat(log.find()).as("the banner names the log file:\n" + banner).isTrue();

            t.enter("resources:run");
            t.awaitText("resources:run: wrong arguments; usage:");
            t.awaitText("the task's name");
            t.enter("resources:cancel nosuch");
            t.awaitText("cancel: no live RunState has the name \"nosuch\"");

            t.enter("resources:run boom { throw (new IllegalStateException kaboom) }");
            String seen = t.awaitText("WARNING: task \"boom\"");
            assertThat(seen).contains("failed: ").contains("kaboom")
                    .doesNotContain("IllegalArgumentException:")
                    .doesNotContainPattern("\\n\\s+at \\S+\\(");
            assertThat(Files.readString(Path.of(log.group(1)))).as("the log file")
                    .contains("task \"boom\"").containsPattern("\\n\\s*at ");
            t.enter("exit");
            assertThat(t.awaitExit()).isZero();
        }
    }

    /**
     * A task's {@code exit} ended the launcher at once or at the next command. Now it ends the
     * task, as its failure (one line), and the console goes on until its own {@code exit}.
     */
    @Test
    void aTasksExitEndsTheTaskOnly() throws Exception {
        try (TmuxTerminal t = started()) {
            t.enter("resources:run ex { exit 3 }");
            t.awaitText("WARNING: task \"ex\"");
            t.enter("echo still-here");
            t.await("the echo's output", s -> s.lines().anyMatch("still-here"::equals));
            t.enter("echo still-there");
            t.await("the next echo's output", s -> s.lines().anyMatch("still-there"::equals));
            assertThat(t.history()).contains("exit 3 ends this task, not the console");
            t.enter("exit 7");
            assertThat(t.awaitExit()).isEqualTo(7);
        }
    }

    /**
     * Ctrl-C on a foreground command: the command is interrupted, and the console says so in one
     * line (the terminal's {@code ^C}); before, Gogo's {@code sleep} printed its
     * InterruptedException and the console another line.
     */
    @Test
    void ctrlCOnAForegroundSleepPrintsOneLine() throws Exception {
        try (TmuxTerminal t = started()) {
            t.enter("echo sleeping-now ; sleep 600");
            t.await("the echo before the sleep", s -> s.lines().anyMatch("sleeping-now"::equals));
            // The sleep may not have begun when the echo shows: Ctrl-C again until the prompt is back.
            String seen = t.pressUntilPrompt("C-c");
            List<String> lines = seen.lines().toList();
            int echo = lines.indexOf("sleeping-now");
            List<String> after = lines.subList(echo + 1, lines.size()).stream()
                    .takeWhile(l -> !l.startsWith(PROMPT)).toList();
            assertThat(after).as("between the command and the next prompt:\n" + seen).hasSize(1);
            assertThat(after.get(0)).as("the terminal's echo of Ctrl-C").matches("(\\^C)*");
            assertThat(seen).doesNotContain("InterruptedException", "interrupted");
            t.enter("echo after-ctrl-c");
            t.await("the next command", s -> s.lines().anyMatch("after-ctrl-c"::equals));
        }
    }

    /** Ctrl-D leaves with status 0; {@code exit 3} with 3. */
    @Test
    void ctrlDAndExitLeaveWithTheirStatus() throws Exception {
        try (TmuxTerminal t = started()) {
            t.awaitPrompt();
            t.press("C-d");
            assertThat(t.awaitExit()).isZero();
        }
        Files.deleteIfExists(dir.resolve("exit-status"));
        try (TmuxTerminal t = started()) {
            t.enter("exit 3");
            assertThat(t.awaitExit()).isEqualTo(3);
        }
    }
}
