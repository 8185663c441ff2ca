package cs.resources.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The launcher with piped input kept open: the test sends command lines one at a time and waits
 * for what they print. Standard output is read by a thread into a list; standard error goes to a
 * file in the working directory.
 */
final class PipedSession implements AutoCloseable {

    private final Path dir;
    private final Process process;
    private final OutputStream stdin;
    /** Lines read so far; guarded by itself. */
    private final List<String> lines = new ArrayList<>();
    private int markers;

    PipedSession(Path dir, String... arguments) throws IOException {
        this(dir, List.of(), arguments);
    }

    /** @param jvmOptions JVM options before {@code -jar} */
    PipedSession(Path dir, List<String> jvmOptions, String... arguments) throws IOException {
        this.dir = dir;
        process = new ProcessBuilder(Launch.command(jvmOptions, arguments))
                .directory(dir.toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        stdin = process.getOutputStream();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    synchronized (lines) {
                        lines.add(l);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "launcher stdout");
        reader.setDaemon(true);
        reader.start();
    }

    long pid() {
        return process.pid();
    }

    /**
     * Sends {@code command}, then an echo of a marker, and waits for the marker.
     *
     * @return what the command printed on standard output
     */
    List<String> run(String command) throws IOException, InterruptedException {
        String marker = "marker-" + ++markers + "-done";
        int from;
        synchronized (lines) {
            from = lines.size();
        }
        stdin.write((command + "\necho " + marker + "\n").getBytes(UTF_8));
        stdin.flush();
        List<String> all = await(l -> l.contains(marker));
        return all.subList(from, all.indexOf(marker));
    }

    /** Sends {@code line} and waits for nothing (for the last line, {@code exit}, say). */
    void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(UTF_8));
        stdin.flush();
    }

    /** @return the first line printed so far or later that {@code condition} accepts (a deadline fails the test) */
    String awaitLine(Predicate<String> condition) throws InterruptedException {
        List<String> all = await(ls -> ls.stream().anyMatch(condition));
        return all.stream().filter(condition).findFirst().orElseThrow();
    }

    /** Runs {@code command} until what it prints satisfies {@code condition} (a deadline fails the test). */
    List<String> runUntil(String command, Predicate<List<String>> condition) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TmuxTerminal.TIMEOUT.toNanos();
        List<String> out;
        do {
            out = run(command);
            if (condition.test(out)) {
                return out;
            }
            Thread.sleep(100); // FileInstall polls the folder once a second: ask again a little later
        } while (System.nanoTime() < deadline);
        throw new AssertionError("\"" + command + "\" never printed what was awaited in "
                + TmuxTerminal.TIMEOUT.toSeconds() + " s; last:\n" + String.join("\n", out));
    }

    private List<String> await(Predicate<List<String>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TmuxTerminal.TIMEOUT.toNanos();
        synchronized (lines) {
            while (!condition.test(lines)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && !condition.test(lines)) {
                    throw new AssertionError("no awaited output; the launcher printed:\n" + String.join("\n", lines));
                }
                lines.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 200));
            }
            return List.copyOf(lines);
        }
    }

    /** @return standard error so far (a file in the working directory) */
    String stderr() throws IOException {
        return Files.readString(dir.resolve("stderr.txt"), UTF_8);
    }

    /** Waits until standard error satisfies {@code condition} (a deadline fails the test). */
    String awaitStderr(String what, Predicate<String> condition) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TmuxTerminal.TIMEOUT.toNanos();
        String seen;
        do {
            seen = stderr();
            if (condition.test(seen)) {
                return seen;
            }
            Thread.sleep(50); // a file written by another process: polled
        } while (System.nanoTime() < deadline);
        throw new AssertionError("waited " + TmuxTerminal.TIMEOUT.toSeconds() + " s for " + what
                + " on standard error; it holds:\n" + seen);
    }

    /** Closes the input (the launcher exits) and returns the exit status. */
    int finish() throws IOException, InterruptedException {
        stdin.close();
        if (!process.waitFor(Launch.EXIT_WITHIN_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("the launcher did not exit after its input ended");
        }
        return process.exitValue();
    }

    /** Closes the input and, if the launcher does not exit then, kills it. */
    @Override
    public void close() throws IOException {
        stdin.close();
        try {
            if (!process.waitFor(Launch.EXIT_WITHIN_SECONDS, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
