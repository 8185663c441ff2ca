package cs.resources.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The launcher in a real terminal: a tmux pane (a terminal emulator that answers JLine's
 * questions) on a tmux server of its own. The test types into it and reads its screen.
 *
 * <p>Reading a screen has no event to wait on: {@link #await} polls it until a condition holds
 * or a deadline passes, and then fails with the screen in the message.
 */
final class TmuxTerminal implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int WIDTH = 200;
    /** The tmux to run: system property {@code launcher.tmux}, else {@code tmux} on the PATH. */
    static final String TMUX = System.getProperty("launcher.tmux", "").isBlank() ? "tmux"
            : System.getProperty("launcher.tmux").strip();

    /**
     * Disables a test class's tests where tmux cannot run, saying why in one line (printed once,
     * and as each test's reason in the report).
     */
    static final class Required implements ExecutionCondition {
        private static volatile java.util.Optional<String> why;

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            java.util.Optional<String> w = why;
            if (w == null) {
                synchronized (Required.class) {
                    if (why == null) {
                        why = unavailable();
                        why.ifPresent(reason -> System.err.println("[skipped] " + reason));
                    }
                    w = why;
                }
            }
            return w.map(ConditionEvaluationResult::disabled)
                    .orElseGet(() -> ConditionEvaluationResult.enabled("tmux runs"));
        }
    }

    /**
     * @return why the terminal tests cannot run here ({@code tmux} is missing or broken), in one
     *     line; empty if they can
     */
    static java.util.Optional<String> unavailable() {
        String why;
        try {
            Process p = new ProcessBuilder(TMUX, "-V").redirectErrorStream(true).start();
            String version = new String(p.getInputStream().readAllBytes(), UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                why = TMUX + " -V hung";
            } else if (p.exitValue() != 0) {
                why = TMUX + " -V failed: " + version;
            } else {
                return java.util.Optional.empty();
            }
        } catch (IOException e) {
            why = "no " + TMUX + " (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        return java.util.Optional.of("the terminal tests drive tmux, and " + why
                + ": skipped (apt-get install tmux to run them; .ci/run does, and requires them)");
    }

    private final String socket;
    private final Path exitFile;

    /** Starts the launcher, in {@code dir}, in a new tmux server; its exit status goes to a file. */
    TmuxTerminal(Path dir, String... arguments) throws IOException, InterruptedException {
        socket = "cs-resources-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        exitFile = dir.resolve("exit-status");
        String command = Launch.command(arguments).stream().map(TmuxTerminal::shellQuote)
                .collect(Collectors.joining(" "));
        tmux("new-session", "-d", "-s", "it", "-x", Integer.toString(WIDTH), "-y", "50", "-c", dir.toString(),
                command + "; echo $? > " + shellQuote(exitFile.toString()) + "; sleep 600");
        tmux("set-option", "-t", "it", "history-limit", "100000");
    }

    /** The prompt with nothing typed after it (and, at the right, the time Gogo's profile shows). */
    private static final java.util.regex.Pattern EMPTY_PROMPT =
            java.util.regex.Pattern.compile("g! \\s*(\\d\\d:\\d\\d:\\d\\d)?");

    /**
     * Waits for the prompt, then types {@code text} (literally, no key names). Keys typed before
     * the prompt shows reach a terminal in line mode, which echoes them where the output is.
     */
    void type(String text) throws IOException, InterruptedException {
        awaitPrompt();
        typeNow(text);
    }

    /** Types {@code text} at once, prompt or not. */
    void typeNow(String text) throws IOException, InterruptedException {
        tmux("send-keys", "-t", "it", "-l", text);
    }

    /** Waits until the last line of the screen is an empty prompt. */
    void awaitPrompt() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String seen;
        do {
            seen = screen();
            List<String> lines = seen.lines().filter(l -> !l.isBlank()).toList();
            if (!lines.isEmpty() && EMPTY_PROMPT.matcher(lines.get(lines.size() - 1)).matches()) {
                return;
            }
            Thread.sleep(50); // polling a screen: there is no event to wait on
        } while (System.nanoTime() < deadline);
        throw new AssertionError("waited " + TIMEOUT.toSeconds() + " s for the prompt; the screen shows:\n" + seen);
    }

    /** Presses keys by tmux's names: {@code Enter}, {@code Tab}, {@code C-d}, {@code C-u}. */
    void press(String... keys) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", "it"));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    /**
     * Presses {@code key} every half second until the last line of the screen is an empty prompt
     * again (a deadline fails the test).
     *
     * @return the history then
     */
    String pressUntilPrompt(String key) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String seen;
        do {
            press(key);
            long next = System.nanoTime() + 500_000_000L;
            do {
                seen = history();
                List<String> lines = seen.lines().filter(l -> !l.isBlank()).toList();
                if (!lines.isEmpty() && EMPTY_PROMPT.matcher(lines.get(lines.size() - 1)).matches()) {
                    return seen;
                }
                Thread.sleep(50); // polling a screen: there is no event to wait on
            } while (System.nanoTime() < next);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("pressed " + key + " for " + TIMEOUT.toSeconds() + " s; no prompt came back:\n"
                + tail(seen, 40));
    }

    /** Types {@code line} and Enter. */
    void enter(String line) throws IOException, InterruptedException {
        type(line);
        press("Enter");
    }

    /** @return the visible screen, lines without trailing blanks */
    String screen() throws IOException, InterruptedException {
        return strip(tmux("capture-pane", "-p", "-t", "it"));
    }

    /** @return everything the pane showed since it started (scroll-back and screen) */
    String history() throws IOException, InterruptedException {
        return strip(tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "it"));
    }

    /** Waits until {@code condition} holds for the history; fails after {@link #TIMEOUT}. */
    String await(String what, Predicate<String> condition) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String seen;
        do {
            seen = history();
            if (condition.test(seen)) {
                return seen;
            }
            Thread.sleep(50); // polling a screen: there is no event to wait on
        } while (System.nanoTime() < deadline);
        throw new AssertionError("waited " + TIMEOUT.toSeconds() + " s for " + what + "; the terminal shows:\n"
                + tail(seen, 60));
    }

    /** Waits until the history shows {@code text}. */
    String awaitText(String text) throws IOException, InterruptedException {
        return await("\"" + text + "\"", s -> s.contains(text));
    }

    /** Waits until the history shows {@code text} at least {@code count} times. */
    String awaitCount(String text, int count) throws IOException, InterruptedException {
        return await(count + " times \"" + text + "\"", s -> occurrences(s, text) >= count);
    }

    /** Waits for the launcher to exit and returns its status. */
    int awaitExit() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (java.nio.file.Files.isRegularFile(exitFile)) {
                String s = java.nio.file.Files.readString(exitFile).strip();
                if (!s.isEmpty()) {
                    return Integer.parseInt(s);
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the launcher did not exit in " + TIMEOUT.toSeconds() + " s; the terminal shows:\n"
                + tail(history(), 40));
    }

    static int occurrences(String s, String text) {
        int n = 0;
        for (int i = s.indexOf(text); i >= 0; i = s.indexOf(text, i + text.length())) {
            n++;
        }
        return n;
    }

    static String tail(String s, int lines) {
        List<String> all = s.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Ends the tmux server, and with it the launcher. */
    @Override
    public void close() throws IOException {
        try {
            tmux("kill-server");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(TMUX, "-L", socket));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("tmux " + String.join(" ", args) + " hung");
        }
        if (p.exitValue() != 0 && !"kill-server".equals(args[0])) {
            throw new IOException("tmux " + String.join(" ", args) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    private static String strip(String screen) {
        return screen.lines().map(String::stripTrailing).collect(Collectors.joining("\n"));
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
