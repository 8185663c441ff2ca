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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --web}: the launcher serves the Apache Felix Web Console with the Resources page, on
 * 127.0.0.1 only, behind a password it makes at start and prints once; Felix Health Checks'
 * {@code hc:exec} shows the cs.resources check at the console.
 */
class WebIT {

    /** The two lines {@code --web} prints: the page's URL, then the user and the password. */
    static final Pattern URL = Pattern.compile("^Web Console: (http://([0-9.]+):(\\d+)/system/console)/resources$");
    static final Pattern LOGIN = Pattern.compile("^  user (\\S+), password (\\S+) \\(made for this run, printed only here\\)$");

    @TempDir
    Path dir;

    /** Where the console is and how to log in, as the launcher printed it. */
    record Console(String base, String host, int port, String user, String password) {
        static Console of(PipedSession launcher) throws InterruptedException {
            Matcher url = URL.matcher(launcher.awaitLine(l -> URL.matcher(l).matches()));
            Matcher login = LOGIN.matcher(launcher.awaitLine(l -> LOGIN.matcher(l).matches()));
            assertThat(url.matches() && login.matches()).isTrue();
            return new Console(url.group(1), url.group(2), Integer.parseInt(url.group(3)), login.group(1),
                    login.group(2));
        }

        HttpResponse<String> get(String path, String user, String password) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
            if (user != null) {
                b.header("Authorization", basic(user, password));
            }
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return get(path, user, password);
        }

        HttpResponse<String> post(String path, String form) throws IOException, InterruptedException {
            return CLIENT.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", basic(user, password))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
        }

        /** Waits until the Web Console serves the page (it registers its servlet after Jetty listens). */
        HttpResponse<String> awaitPage() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TmuxTerminal.TIMEOUT.toNanos();
            HttpResponse<String> r = get("/resources");
            while (r.statusCode() != 200 && System.nanoTime() < deadline) {
                Thread.sleep(100); // the console's servlet comes a moment after Jetty's port
                r = get("/resources");
            }
            assertThat(r.statusCode()).as("the Resources page at %s/resources: %s", base, r.body()).isEqualTo(200);
            return r;
        }
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
    }

    @Test
    void servesTheResourcesPageOnLoopbackBehindAPasswordMadeAtStart() throws Exception {
        try (PipedSession launcher = new PipedSession(dir, "--web", "--no-load")) {
            launcher.run("resources:run -e 1s web-ticker { }");
            Console console = Console.of(launcher);
            assertThat(console.host()).isEqualTo("127.0.0.1");
            assertThat(console.user()).isEqualTo("admin");
            assertThat(console.password()).matches("[A-Za-z0-9_-]{16}").isNotEqualTo("admin");

            // Jetty's one socket, on loopback; nothing else listens.
            List<Sockets.Listening> sockets = Sockets.listening(launcher.pid());
            assertThat(sockets).as("the launcher's listening sockets").isNotEmpty()
                    .allSatisfy(s -> assertThat(s.loopback()).as(s.line()).isTrue())
                    .extracting(Sockets.Listening::port).containsOnly(console.port());

            HttpResponse<String> page = console.awaitPage();
            assertThat(page.body()).contains("web-ticker", "RunStates", "MultiOpens", "Pools");
            assertThat(console.get("/resources", null, null).statusCode()).as("no password").isEqualTo(401);
            assertThat(console.get("/resources.json", "admin", "x" + console.password()).statusCode())
                    .as("a wrong password").isEqualTo(401);
            assertThat(console.get("/resources.json", "admin", "admin").statusCode()).as("admin/admin")
                    .isEqualTo(401);
            HttpResponse<String> json = console.get("/resources.json");
            assertThat(json.statusCode()).isEqualTo(200);
            assertThat(json.body()).contains("\"name\":\"web-ticker\"", "\"state\":\"RUNNING\"");
            HttpResponse<String> noToken = console.post("/resources", "action=cancel&id=web-ticker");
            assertThat(noToken.statusCode()).as("a POST without the anti-CSRF token").isEqualTo(403);
            // The Web Console's own Components page (webconsole.plugins.ds) lists ours.
            assertThat(console.get("/components").body()).contains("cs.resources.webconsole");

            List<String> health = launcher.run("hc:exec cs.resources");
            assertThat(String.join("\n", health)).contains("Overall Health Result: OK")
                    .containsPattern("cs\\.resources\\s+OK\\s+.*cs\\.resources OK: 1 live RunStates");
            assertThat(launcher.finish()).isZero();
        }
    }

    /**
     * The issue's stuck child, at the console with {@code --web}, nobody looking at the page:
     * {@code hc:exec cs.resources} said OK 98 s past a 60 s threshold (the child was not listed,
     * and each {@code hc:exec} started a fresh sampler that saw it stopping "since now"). Here the
     * threshold is 1 s: the health check warns of the child, and the child is listed and cancellable
     * by its id.
     */
    @Test
    void aStuckChildIsListedCancellableAndWarnedOf() throws Exception {
        Path load = java.nio.file.Files.createDirectories(dir.resolve("load"));
        java.nio.file.Files.writeString(load.resolve("cs.resources.health.cfg"), "stoppingThresholdSeconds=1\n");
        java.nio.file.Files.writeString(load.resolve("cs.resources.webconsole.cfg"), "sampleSeconds=1\n");
        try (PipedSession launcher = new PipedSession(dir, "--web")) {
            Console.of(launcher);
            launcher.run("resources:run stuck-parent { c = $1 child stuck-child ; $c start ; sleep 3600 }");
            launcher.runUntil("resources:runstates -p", out -> out.stream().anyMatch(l -> l.contains("\tstuck-child\t")));
            launcher.run("resources:cancel stuck-parent");
            List<String> listed = launcher.runUntil("resources:runstates -p",
                    out -> out.stream().noneMatch(l -> l.contains("\tstuck-parent\t"))
                            && out.stream().anyMatch(l -> l.contains("\tstuck-child\tSTOPPING\t")));
            String id = listed.stream().filter(l -> l.contains("\tstuck-child\t")).findFirst().orElseThrow().split("\t")[0];
            assertThat(launcher.run("resources:cancel " + id)).contains("cancelled " + id + " stuck-child (STOPPING)");

            List<String> health = launcher.runUntil("hc:exec cs.resources",
                    out -> String.join("\n", out).contains("Overall Health Result: WARN"));
            // (hc:exec wraps its log column: any space may be a line break)
            assertThat(String.join("\n", health)).containsPattern(("RunState " + id + " stuck-child \\(bundle "
                    + "cs\\.resources\\.\\S+\\): stopping for \\d+ s \\(threshold 1 s\\)").replace(" ", "\\s+"));
        }
    }

    @Test
    void listensOnThePortAsked() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        try (PipedSession launcher = new PipedSession(dir, "--web=" + port, "--no-load")) {
            Console console = Console.of(launcher);
            assertThat(console.port()).isEqualTo(port);
            console.awaitPage();
            assertThat(Sockets.listening(launcher.pid())).extracting(Sockets.Listening::port).containsOnly(port);
            assertThat(launcher.finish()).isZero();
        }
    }

    /** Two starts, two passwords: nothing is fixed or kept. */
    @Test
    void eachStartMakesItsOwnPassword() throws Exception {
        String first;
        try (PipedSession launcher = new PipedSession(dir, "--web", "--no-load")) {
            first = Console.of(launcher).password();
            assertThat(launcher.finish()).isZero();
        }
        try (PipedSession launcher = new PipedSession(dir, "--web", "--no-load", "--keep")) {
            Console console = Console.of(launcher);
            assertThat(console.password()).isNotEqualTo(first);
            assertThat(console.get("/resources.json", "admin", first).statusCode()).isEqualTo(401);
            assertThat(launcher.finish()).isZero();
            // Printed once: not in the log, nor in any file of the kept storage.
            try (var files = java.nio.file.Files.walk(dir.resolve("felix-cache"))) {
                for (Path f : (Iterable<Path>) files.filter(java.nio.file.Files::isRegularFile)::iterator) {
                    assertThat(new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1))
                            .as(f.toString()).doesNotContain(console.password());
                }
            }
        }
        // A kept storage started again without --web: the web bundles are gone, no port.
        try (PipedSession launcher = new PipedSession(dir, "--no-load", "--keep")) {
            assertThat(String.join("\n", launcher.run("lb -s"))).doesNotContain("org.apache.felix.http.jetty12");
            assertThat(Sockets.listening(launcher.pid())).isEmpty();
            assertThat(launcher.finish()).isZero();
        }
    }
}
