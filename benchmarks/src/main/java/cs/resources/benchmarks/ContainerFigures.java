package cs.resources.benchmarks;

import cs.resources.Pool;
import cs.resources.RunState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Figures that are not JMH benchmarks, printed one a line (not asserted anywhere):
 *
 * <ul>
 *   <li>the launcher's time from {@code java -jar} to the {@code g!} prompt, in a tmux pane so
 *       that the launcher sees a terminal, median of 5 (needs tmux);</li>
 *   <li>heap per RunState and per idle pooled entry, from the heap used before and after making
 *       100,000 of them (after full collections), so a rough figure.</li>
 * </ul>
 *
 * The time {@code resources:runstates} takes with 10,000 RunStates is printed by the itest
 * {@code ShellIT} (it needs the framework). Run from the repository root, after a package build:
 * {@code java -cp benchmarks/target/benchmarks.jar cs.resources.benchmarks.ContainerFigures}.
 */
public final class ContainerFigures {
    private static final int N = 100_000;

    private ContainerFigures() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("load: " + Files.readString(Path.of("/proc/loadavg")).trim());
        Path jar = Path.of(args.length > 0 ? args[0] : "launcher/target/launcher.jar");
        if (Files.isRegularFile(jar)) {
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                times.add(secondsToPrompt(jar));
            }
            double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "launcher start to g!: median %.2f s (runs %s)%n", sorted[2], Arrays.toString(sorted));
        } else {
            System.out.println("launcher start to g!: skipped, no " + jar + " (mvn -DskipTests package first)");
        }
        System.out.printf(Locale.ROOT, "heap per RunState: %d bytes (%d RunStates)%n", perRunState(), N);
        System.out.printf(Locale.ROOT, "heap per idle pooled entry: %d bytes beyond the object itself (%d idle)%n", perIdleEntry(), N);
    }

    /**
     * Starts the launcher in a tmux pane (a real terminal emulator: JLine asks it questions) and
     * returns the seconds until the pane shows {@code g!}, then stops the framework.
     */
    private static double secondsToPrompt(Path jar) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String session = "cs-resources-figures-" + ProcessHandle.current().pid();
        long t0 = System.nanoTime();
        run("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", java + " -jar " + jar);
        try {
            long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                if (run("tmux", "capture-pane", "-p", "-t", session).contains("g! ")) {
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    run("tmux", "send-keys", "-t", session, "stop 0", "Enter");
                    return seconds;
                }
                Thread.sleep(20); // polling a terminal's screen: there is no event to wait on
            }
            throw new IllegalStateException("the launcher never showed g!");
        } finally {
            for (int i = 0; i < 250 && run("tmux", "has-session", "-t", session).isEmpty(); i++) {
                Thread.sleep(20);
            }
            run("tmux", "kill-session", "-t", session);
        }
    }

    /** @return what the command printed; empty if it failed */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "";
    }

    private static long used() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long perRunState() throws InterruptedException {
        long before = used();
        RunState[] keep = new RunState[N];
        for (int i = 0; i < N; i++) {
            keep[i] = new RunState("task-" + i).start();
        }
        long after = used();
        long arrayBytes = 16L + 4L * N;
        long nameBytes = bytesOfNames();
        Arrays.fill(keep, null);
        return (after - before - arrayBytes - nameBytes) / N;
    }

    /** The names alone, to subtract them: a RunState's cost without the caller's string. */
    private static long bytesOfNames() throws InterruptedException {
        long before = used();
        String[] names = new String[N];
        for (int i = 0; i < N; i++) {
            names[i] = "task-" + i;
        }
        long after = used();
        long bytes = after - before - (16L + 4L * N);
        Arrays.fill(names, null);
        return bytes;
    }

    private static long perIdleEntry() throws InterruptedException {
        Object[] objects = new Object[N];
        for (int i = 0; i < N; i++) {
            objects[i] = new Object();
        }
        int[] next = {0};
        long before = used();
        Pool<Object> pool = new Pool<>(() -> objects[next[0]++], 0);
        List<Pool.Lease<Object>> leases = new ArrayList<>(N);
        for (int i = 0; i < N; i++) {
            leases.add(pool.instance());
        }
        leases.forEach(Pool.Lease::close);
        leases = null;
        long after = used();
        if (pool.stats().idle() != N) {
            throw new IllegalStateException("expected " + N + " idle, got " + pool.stats());
        }
        return (after - before) / N;
    }
}
