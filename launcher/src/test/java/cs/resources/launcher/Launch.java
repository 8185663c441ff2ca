package cs.resources.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts {@code target/launcher.jar} as its own process, as a user does: {@code java [options]
 * -jar launcher.jar [arguments]} in a working directory of the test's.
 *
 * <p>System properties: {@code launcher.jar} (set by the build), {@code launcher.java} (the
 * {@code java} to run it with; default: the one running the tests), {@code launcher.java.options}
 * (JVM options, separated by spaces; say {@code --sun-misc-unsafe-memory-access=allow} on Java 24+).
 */
final class Launch {

    /** Start-up takes 1 to 4 s; a launcher still running after this has hung. */
    static final long EXIT_WITHIN_SECONDS = 60;

    private Launch() {
    }

    record Run(int status, String out, String err, double seconds) {
    }

    /** @return the command line that starts the launcher, {@code arguments} after the jar */
    static List<String> command(String... arguments) {
        return command(List.of(), arguments);
    }

    /**
     * @param jvmOptions JVM options of the test's, after those of {@code launcher.java.options}
     * @return the command line that starts the launcher, {@code arguments} after the jar
     */
    static List<String> command(List<String> jvmOptions, String... arguments) {
        Path jar = Path.of(System.getProperty("launcher.jar", "target/launcher.jar")).toAbsolutePath();
        assertThat(jar).as("the executable jar; run through mvn verify").isRegularFile();
        List<String> command = new ArrayList<>();
        String java = System.getProperty("launcher.java", "").strip();
        command.add(java.isEmpty() ? Path.of(System.getProperty("java.home"), "bin", "java").toString() : java);
        String options = System.getProperty("launcher.java.options", "").strip();
        if (!options.isEmpty()) {
            command.addAll(Arrays.asList(options.split("\\s+")));
        }
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(Arrays.asList(arguments));
        return command;
    }

    /**
     * Runs the launcher in {@code dir} with {@code input} piped to it (then closed) and waits for
     * it to exit by itself.
     */
    static Run piped(Path dir, String input, String... arguments) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command(arguments))
                .directory(dir.toFile())
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

    /** Standard error without what the JVM itself may print (for JAVA_TOOL_OPTIONS, say). */
    static String quiet(String err) {
        return err.lines().filter(l -> !l.startsWith("Picked up ")).collect(Collectors.joining("\n"));
    }
}
