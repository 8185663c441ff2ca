package cs.resources.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MXBeans through JMX over HTTP, as an operator with many JVMs reaches them: the launcher run
 * with the Jolokia JVM agent ({@code org.jolokia:jolokia-agent-jvm:2.6.0}, classifier
 * {@code javaagent}; the build copies it to {@code target/jolokia/}) on 127.0.0.1 with a user and
 * a password. A read of the RunStates attribute, a {@code cancel} operation, and the refusals.
 */
class JolokiaIT {

    /** What the agent prints when it listens ({@code Jolokia: Agent 2.6.0 started with URL http://... and PID ...}). */
    private static final Pattern STARTED = Pattern.compile("Jolokia: Agent .*started with URL (http://\\S+?)/?(\\s|$)");

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void readsTheRunStatesAndCancelsOverHttpWithAUserAndPassword() throws Exception {
        Path agent = Path.of(System.getProperty("jolokia.agent", "target/jolokia/jolokia-agent-jvm-javaagent.jar"));
        assertThat(agent).as("the Jolokia agent; run through mvn verify").isRegularFile();
        String password = Options.password();
        String javaagent = "-javaagent:" + agent.toAbsolutePath() + "=host=127.0.0.1,port=0,user=ops,password="
                + password;
        try (PipedSession launcher = new PipedSession(dir, List.of(javaagent), "--no-load")) {
            launcher.run("resources:run -e 1s fleet-ticker { }");
            Matcher started = STARTED.matcher(launcher.awaitLine(l -> STARTED.matcher(l).find()));
            assertThat(started.find()).isTrue();
            String jolokia = started.group(1);
            assertThat(URI.create(jolokia).getHost()).isEqualTo("127.0.0.1");
            assertThat(Sockets.listening(launcher.pid())).as("the agent's socket only, on loopback").hasSize(1)
                    .allSatisfy(s -> assertThat(s.loopback()).as(s.line()).isTrue());

            String read = jolokia + "/read/cs.resources:type=RunStates/RunStates";
            assertThat(get(read, null).statusCode()).as("no password").isEqualTo(401);
            assertThat(get(read, "ops:x" + password).statusCode()).as("a wrong password").isEqualTo(401);
            HttpResponse<String> runStates = get(read, "ops:" + password);
            assertThat(runStates.statusCode()).isEqualTo(200);
            // Open types only: the CompositeData array arrives as JSON objects with the MXBean's keys.
            assertThat(runStates.body()).contains("\"status\":200", "\"name\":\"fleet-ticker\"", "\"state\":\"RUNNING\"",
                    "\"source\":\"TASK\"");

            HttpResponse<String> cancel = client.send(HttpRequest.newBuilder(URI.create(jolokia + "/"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", basic("ops:" + password))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"exec\",\"mbean\":\"cs.resources:type=RunStates\","
                            + "\"operation\":\"cancel\",\"arguments\":[\"" + id(runStates.body(), "fleet-ticker") + "\"]}"))
                    .build(), HttpResponse.BodyHandlers.ofString(UTF_8));
            assertThat(cancel.statusCode()).isEqualTo(200);
            assertThat(cancel.body()).contains("\"status\":200").contains("fleet-ticker");

            launcher.runUntil("resources:runstates -a -p",
                    out -> out.stream().anyMatch(l -> l.contains("fleet-ticker") && l.contains("CANCELLED")));
            assertThat(get(read, "ops:" + password).body()).doesNotContain("fleet-ticker");
            assertThat(launcher.finish()).isZero();
        }
    }

    /** @return the id of the RunState named {@code name} in a Jolokia read of the RunStates (JMX acts by id only) */
    private static String id(String json, String name) {
        Matcher m = java.util.regex.Pattern.compile("\\{\"[^{}]*\"name\":\"" + java.util.regex.Pattern.quote(name) + "\"[^{}]*\\}")
                .matcher(json);
        assertThat(m.find()).as("a row for " + name + " in " + json).isTrue();
        Matcher id = java.util.regex.Pattern.compile("\"id\":(\\d+)").matcher(m.group());
        assertThat(id.find()).as("its id").isTrue();
        return id.group(1);
    }

    private HttpResponse<String> get(String url, String credentials) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (credentials != null) {
            b.header("Authorization", basic(credentials));
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(UTF_8));
    }
}
