package cs.resources.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Warnings reach the console as one line of at most 200 characters, and their detail (the stack)
 * the log file in the storage; with {@code --web} as without. Before: with {@code --web},
 * pax-logging-api took over {@code java.util.logging} and printed a failing task's whole stack on
 * the console (and the log file got none of it); without, a "line" was 600 to 1,200 characters.
 */
class LogIT {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "--web"})
    void aWarningIsOneShortConsoleLineAndItsStackIsInTheLogFile(String mode) throws Exception {
        List<String> arguments = new ArrayList<>(List.of("--storage", "state"));
        boolean web = mode.equals("--web");
        if (web) {
            arguments.add("--web");
        }
        List<String> out = new ArrayList<>();
        String err;
        try (PipedSession s = new PipedSession(dir, arguments.toArray(String[]::new))) {
            // A message of 512 characters, and a failure whose message spans lines.
            out.addAll(s.run("long = x ; each [1 2 3 4 5 6 7 8 9] { long = \"$long$long\" }"));
            out.addAll(s.run("resources:run boom { throw (new IllegalStateException \"kaboom-$long\") }"));
            s.awaitStderr("the task's warning", e -> e.contains("WARNING: task \"boom\""));
            if (web) {
                // What SLF4J users (Jetty, the Web Console, the Health Checks) log, through pax-logging-api.
                out.addAll(s.run("each (${.context} getBundles) { if { ($it symbolicName) equals "
                        + "org.ops4j.pax.logging.pax-logging-api } { paxlog = $it } }"));
                out.addAll(s.run("addcommand slf4j ($paxlog loadClass org.slf4j.LoggerFactory)"));
                out.addAll(s.run("(slf4j:getLogger it.slf4j) warn \"slf4j-says-$long\" "
                        + "(new java.lang.IllegalArgumentException paxboom)"));
                s.awaitStderr("the SLF4J warning", e -> e.contains("slf4j-says-"));
            }
            out.addAll(s.run("echo done"));
            assertThat(s.finish()).isZero();
            err = s.stderr();
        }
        List<String> warnings = err.lines().toList();
        assertThat(warnings).as("standard error: one line per warning").hasSize(web ? 2 : 1)
                .allMatch(l -> l.length() <= 200, "at most 200 characters")
                .allMatch(l -> l.startsWith("WARNING: "))
                .allMatch(l -> l.endsWith(Logs.CUT), "cut, saying where the rest is");
        assertThat(warnings.get(0)).contains("task \"boom\"", "IllegalStateException: ", "kaboom-xxx");
        if (web) {
            assertThat(warnings.get(1)).startsWith("WARNING: slf4j-says-xxx");
        }
        assertThat(out).as("standard output: the commands' own").noneMatch(l -> l.contains("kaboom")
                || l.contains("slf4j-says") || l.contains("paxboom") || l.startsWith("\tat ") || l.contains("WARN"));

        String log = Files.readString(dir.resolve("state").resolve("launcher.log"), UTF_8);
        assertThat(log).as("the log file").contains("task \"boom\"", "kaboom-" + "x".repeat(512))
                .containsPattern("\\n\\s+at \\S+\\(");
        if (web) {
            assertThat(log).contains("slf4j-says-" + "x".repeat(512)).containsPattern("IllegalArgumentException: .*paxboom");
        }
    }
}
