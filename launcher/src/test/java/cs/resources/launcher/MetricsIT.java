package cs.resources.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --metrics}: the launcher serves the Prometheus text format at {@code /metrics} on the
 * JDK's HTTP server, on 127.0.0.1 only, behind a password it makes at start and prints once; with
 * {@code --web}, at {@code /metrics} beside the Web Console, behind the console's password.
 */
class MetricsIT {

    static final Pattern URL = Pattern.compile("^Metrics: (http://([0-9.]+):(\\d+)/metrics)$");
    static final Pattern LOGIN = Pattern.compile("^  user (\\S+), password (\\S+) \\(made for this run, printed only here\\)$");
    static final Pattern WEB_URL = Pattern.compile("^Metrics: (http://([0-9.]+):(\\d+)/metrics) \\(Prometheus text format; the same user and password\\)$");

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path dir;

    /** Where /metrics is and how to log in, as the launcher printed it. */
    record Endpoint(String url, String host, int port, String user, String password) {
        static Endpoint of(PipedSession launcher) throws InterruptedException {
            Matcher url = URL.matcher(launcher.awaitLine(l -> URL.matcher(l).matches()));
            Matcher login = LOGIN.matcher(launcher.awaitLine(l -> LOGIN.matcher(l).matches()));
            assertThat(url.matches() && login.matches()).isTrue();
            return new Endpoint(url.group(1), url.group(2), Integer.parseInt(url.group(3)), login.group(1), login.group(2));
        }

        HttpResponse<String> get(String user, String password) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
            if (user != null) {
                b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8)));
            }
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
        }

        /** Scrapes until the text shows what is asked (the meters follow the runtime in their own thread). */
        String awaitScrape(Predicate<String> condition) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TmuxTerminal.TIMEOUT.toNanos();
            HttpResponse<String> r = get(user, password);
            while (!(r.statusCode() == 200 && condition.test(r.body())) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                r = get(user, password);
            }
            assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
            assertThat(condition.test(r.body())).as("GET %s:%n%s", url, r.body()).isTrue();
            assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            return r.body();
        }
    }

    static Predicate<String> running(String task) {
        Pattern p = Pattern.compile("(?m)^cs_resources_runstates_live\\{bundle=\"[^\"]+\",name=\"" + Pattern.quote(task)
                + "\",state=\"running\"} 1\\.0$");
        return text -> p.matcher(text).find();
    }

    @Test
    void servesMetricsAloneOnLoopbackBehindAPasswordMadeAtStart() throws Exception {
        try (PipedSession launcher = new PipedSession(dir, "--metrics", "--no-load")) {
            launcher.run("resources:run -e 1s metrics-ticker { }");
            Endpoint metrics = Endpoint.of(launcher);
            assertThat(metrics.host()).isEqualTo("127.0.0.1");
            assertThat(metrics.user()).isEqualTo("admin");
            assertThat(metrics.password()).matches("[A-Za-z0-9_-]{16}");

            // The JDK server's one socket, on loopback; nothing else listens.
            assertThat(Sockets.listening(launcher.pid())).as("the launcher's listening sockets").isNotEmpty()
                    .allSatisfy(s -> assertThat(s.loopback()).as(s.line()).isTrue())
                    .extracting(Sockets.Listening::port).containsOnly(metrics.port());

            String text = metrics.awaitScrape(running("metrics-ticker"));
            assertThat(text).contains("# TYPE cs_resources_runstates_live gauge");
            assertThat(metrics.get(null, null).statusCode()).as("no password").isEqualTo(401);
            assertThat(metrics.get("admin", "x" + metrics.password()).statusCode()).as("a wrong password").isEqualTo(401);
            assertThat(metrics.get("admin", "admin").statusCode()).as("admin/admin").isEqualTo(401);
            assertThat(launcher.finish()).isZero();
        }
    }

    @Test
    void listensOnThePortAskedWithANewPasswordEachStart() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String first;
        try (PipedSession launcher = new PipedSession(dir, "--metrics=" + port, "--no-load")) {
            Endpoint metrics = Endpoint.of(launcher);
            assertThat(metrics.port()).isEqualTo(port);
            first = metrics.password();
            assertThat(metrics.get(metrics.user(), first).statusCode()).isEqualTo(200);
            assertThat(launcher.finish()).isZero();
        }
        try (PipedSession launcher = new PipedSession(dir, "--metrics", "--no-load")) {
            Endpoint metrics = Endpoint.of(launcher);
            assertThat(metrics.password()).isNotEqualTo(first);
            assertThat(metrics.get("admin", first).statusCode()).as("the last start's password").isEqualTo(401);
            assertThat(launcher.finish()).isZero();
        }
    }

    @Test
    void servesMetricsBesideTheWebConsoleBehindItsPassword() throws Exception {
        try (PipedSession launcher = new PipedSession(dir, "--web", "--no-load")) {
            launcher.run("resources:run -e 1s web-metrics-ticker { }");
            WebIT.Console console = WebIT.Console.of(launcher);
            Matcher url = WEB_URL.matcher(launcher.awaitLine(l -> WEB_URL.matcher(l).matches()));
            assertThat(url.matches()).isTrue();
            assertThat(url.group(2)).isEqualTo("127.0.0.1");
            assertThat(Integer.parseInt(url.group(3))).as("Jetty's port, the console's").isEqualTo(console.port());
            Endpoint metrics = new Endpoint(url.group(1), url.group(2), console.port(), console.user(), console.password());
            metrics.awaitScrape(running("web-metrics-ticker"));
            assertThat(metrics.get(null, null).statusCode()).as("no password").isEqualTo(401);
            assertThat(metrics.get("admin", "x" + console.password()).statusCode()).as("a wrong password").isEqualTo(401);
            assertThat(Sockets.listening(launcher.pid())).extracting(Sockets.Listening::port).containsOnly(console.port());
            assertThat(launcher.finish()).isZero();
        }
    }
}
