package cs.resources.itest.web;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.LeakDetection;
import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.TaskService;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.utils.json.JSONParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The page in Felix with Felix HTTP Jetty 12 and Web Console 5, over HTTP as a browser sees it:
 * authentication, the tables, resources.json, cancel with and without the anti-CSRF token, hostile
 * names; then the health check, the inventory printer, the metatype, and the sampler's thread.
 */
@Frameworks("both")
class WebConsoleIT {
    static final long TIMEOUT = 30_000;
    static final String USER = "admin";
    static final String PASSWORD = "itest-secret";
    static final String HOSTILE = "<script>alert('it')</script> ${appRoot} \"q\"";

    static String console;

    @InjectService(timeout = TIMEOUT)
    ResourcesRuntime runtime;

    @InjectService(timeout = TIMEOUT)
    TaskService tasks;

    @InjectService(timeout = TIMEOUT)
    ConfigurationAdmin configAdmin;

    @InjectBundleContext
    BundleContext context;

    final List<RunState> started = new ArrayList<>();
    final List<ServiceRegistration<?>> registered = new ArrayList<>();
    final List<Configuration> configured = new ArrayList<>();

    /** Finds Jetty's port (it chose a free one) and waits until the console serves the page. */
    @BeforeAll
    static void findTheConsole() throws Exception {
        BundleContext bc = FrameworkUtil.getBundle(WebConsoleIT.class).getBundleContext();
        ServiceTracker<Object, Object> t = new ServiceTracker<>(bc,
                bc.createFilter("(objectClass=org.osgi.service.servlet.runtime.HttpServiceRuntime)"), null);
        t.open();
        try {
            assertThat(t.waitForService(TIMEOUT)).as("Jetty's HttpServiceRuntime").isNotNull();
            Object endpoint = t.getServiceReference().getProperty("osgi.http.endpoint");
            String url = endpoint instanceof String[] a ? a[0] : String.valueOf(endpoint);
            console = url.replaceAll("/+$", "") + "/system/console";
        } finally {
            t.close();
        }
        awaitPage();
    }

    static void awaitPage() throws Exception {
        Http http = new Http(console, USER, PASSWORD);
        await("the console serves the Resources page at " + console, () -> {
            try {
                return http.get("/resources").statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    /** A MultiOpen service of this bundle's, open: the page and the dumps list it. */
    @org.junit.jupiter.api.BeforeEach
    void registerAMultiOpen() {
        cs.resources.MultiOpen shared = cs.resources.MultiOpen.of(new cs.resources.Openable() {
            @Override
            public void open() {
            }

            @Override
            public void close() {
            }
        });
        shared.open();
        registered.add(context.registerService(cs.resources.MultiOpen.class, shared, null));
    }

    @AfterEach
    void cleanUp() throws Exception {
        started.forEach(RunState::cancel);
        registered.forEach(ServiceRegistration::unregister);
        for (Configuration c : configured) {
            c.delete();
        }
        LeakDetection.setEnabled(false);
    }

    // ------------------------------------------------------------------------------- the page

    @Test
    void aRequestWithoutThePasswordGets401() throws Exception {
        assertThat(new Http(console, null, null).get("/resources").statusCode()).isEqualTo(401);
        assertThat(new Http(console, USER, "wrong").get("/resources").statusCode()).isEqualTo(401);
        assertThat(new Http(console, USER, "admin").get("/resources.json").statusCode()).isEqualTo(401);
        assertThat(new Http(console, null, null).post("/resources", Map.of("action", "cancel", "id", "1"))
                .statusCode()).isEqualTo(401);
    }

    @Test
    void thePageListsRunStatesMultiOpensAndPoolsInTheConsole() throws Exception {
        RunState rs = runningTask("it-page-task");
        Pool<Object> pool = pool("it-page-pool");
        Pool.Lease<Object> lease = pool.instance();
        try {
            HttpResponse<String> page = new Http(console, USER, PASSWORD).get("/resources");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            String html = page.body();
            // The console's frame around our content, our title in its navigation.
            assertThat(html).contains("<div id='content'>", ">Resources<", "id=\"cs-resources\"");
            assertThat(row(html, "cs-runstates", "data-id=\"" + rs.id() + "\""))
                    .contains(">it-page-task<", ">RUNNING<", ">" + context.getBundle().getSymbolicName() + "<",
                            "class=\"ui-button cs-cancel\""); // a task belongs to the bundle that submitted it
            assertThat(html).contains("cs.resources.OpenableMultiOpen");
            String poolRow = row(html, "cs-pools", ">it-page-pool<");
            assertThat(poolRow).contains("<td class=\"cs-inUse cs-num\">1</td>", "<svg class=\"cs-chart\"");
            assertThat(html).contains("<script src=\"/system/console/resources.js\"></script>");
            HttpResponse<String> script = new Http(console, USER, PASSWORD).get("/resources.js");
            assertThat(script.headers().firstValue("Content-Type").orElse("")).startsWith("application/javascript");
            assertThat(script.body()).contains("'.fragment'", "X-CSRF-Token").doesNotContain("<div id='content'>");
            String fragment = new Http(console, USER, PASSWORD).get("/resources.fragment").body();
            assertThat(fragment).startsWith("<h3>RunStates").contains(">it-page-task<").doesNotContain("<div id='content'>");
        } finally {
            lease.close();
        }
    }

    @Test
    void theJsonHasTheSameDataAsTheRuntime() throws Exception {
        RunState rs = runningTask("it-json-task");
        Pool<Object> pool = pool("it-json-pool");
        Pool.Lease<Object> lease = pool.instance();
        try {
            HttpResponse<String> r = new Http(console, USER, PASSWORD).get("/resources.json");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            Map<String, Object> json = new JSONParser(r.body()).getParsed();
            assertThat(json).containsKeys("time", "runStates", "multiOpens", "pools").containsEntry("mayAct", true);
            Map<String, Object> task = find(json, "runStates", "id", rs.id());
            assertThat(task).containsEntry("name", "it-json-task").containsEntry("state", "RUNNING")
                    .containsEntry("bundle", context.getBundle().getSymbolicName()).containsEntry("source", "TASK");
            RunStateInfo info = runtime.runStates().stream().filter(i -> i.id() == rs.id()).findFirst().orElseThrow();
            assertThat(((Number) task.get("bundleId")).longValue()).isEqualTo(info.bundleId());
            assertThat(Long.valueOf(String.valueOf(task.get("runTimeMillis")))).isGreaterThanOrEqualTo(0);
            List<Long> ids = ids(json, "runStates");
            assertThat(ids).containsAll(runtime.runStates().stream().map(RunStateInfo::id).toList());
            Map<String, Object> p = find(json, "pools", "name", "it-json-pool");
            assertThat(((Number) p.get("inUse")).intValue()).isEqualTo(1);
            assertThat(((Number) p.get("created")).longValue()).isEqualTo(1);
            assertThat(p).containsKey("history");
            Map<String, Object> shared = find(json, "multiOpens", "className", "cs.resources.OpenableMultiOpen");
            assertThat(shared).containsEntry("phase", "OPEN").containsEntry("bundle", context.getBundle().getSymbolicName());
        } finally {
            lease.close();
        }
    }

    @Test
    void aCancelPostWithTheSessionsTokenCancelsAndWithoutItIsRefused() throws Exception {
        RunState rs = runningTask("it-cancel-task");
        CountDownLatch ended = new CountDownLatch(1);
        rs.onEnd(x -> ended.countDown());
        Http browser = new Http(console, USER, PASSWORD);
        String token = token(browser.get("/resources").body());
        Map<String, String> form = Map.of("action", "cancel", "id", Long.toString(rs.id()));

        HttpResponse<String> none = browser.post("/resources", form);
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.body()).contains("anti-CSRF token");
        HttpResponse<String> wrong = browser.post("/resources", with(form, "token", token + "x"));
        assertThat(wrong.statusCode()).isEqualTo(403);
        // Another session's token is no good either.
        Http other = new Http(console, USER, PASSWORD);
        String otherToken = token(other.get("/resources").body());
        assertThat(otherToken).isNotEqualTo(token);
        assertThat(browser.post("/resources", with(form, "token", otherToken)).statusCode()).isEqualTo(403);
        // ... nor a token with no session (a forged request carries the credentials, not the cookie).
        assertThat(new Http(console, USER, PASSWORD).post("/resources", with(form, "token", token)).statusCode())
                .isEqualTo(403);
        assertThat(rs.isCancelled()).as("refused requests cancel nothing").isFalse();

        HttpResponse<String> ok = browser.post("/resources", with(form, "token", token));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location")).contains("/system/console/resources");
        assertThat(ended.await(TIMEOUT, TimeUnit.MILLISECONDS)).as("the task ended").isTrue();
        assertThat(rs.state()).isEqualTo(RunState.State.CANCELLED);
        assertThat(row(browser.get("/resources").body(), "cs-runstates", "data-id=\"" + rs.id() + "\""))
                .contains(">CANCELLED<").doesNotContain("cs-cancel");
    }

    @Test
    void theScriptsPostCarriesTheTokenInAHeaderAndGetsJson() throws Exception {
        RunState rs = runningTask("it-json-cancel");
        Http browser = new Http(console, USER, PASSWORD);
        String token = token(browser.get("/resources").body());
        HttpResponse<String> r = browser.post("/resources", Map.of("action", "cancel", "id", Long.toString(rs.id())),
                "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> json = new JSONParser(r.body()).getParsed();
        Map<String, Object> cancelled = find(json, "cancelled", "id", rs.id());
        assertThat(cancelled).containsEntry("name", "it-json-cancel");
        assertThat(String.valueOf(cancelled.get("state"))).isIn("STOPPING", "CANCELLED");
        // An ended one: a precise error, as JSON.
        await("the task ended", () -> !rs.isRunning());
        HttpResponse<String> again = browser.post("/resources", Map.of("action", "cancel", "id", Long.toString(rs.id())),
                "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("RunState " + rs.id() + " has already ended (CANCELLED)");
        HttpResponse<String> bad = browser.post("/resources", Map.of("action", "cancel", "id", "ticker"),
                "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("give the id of a RunState (decimal digits), not \\\"ticker\\\"");
        assertThat(browser.post("/resources", Map.of("action", "explode"), "X-CSRF-Token", token).body())
                .isEqualTo("unknown action \"explode\"; the page knows: cancel, pause, resume\n");
    }

    /**
     * The page acts by id only. A stale Cancel button (its RunState ended, or never known here)
     * posting {@code id=N} cancelled the live RunState whose name is "N"; and {@code
     * Character::isDigit} let digits of other scripts through, which the runtime then took for a
     * name. Now both are refused, saying why, and nothing else is touched.
     */
    @Test
    void actionsAreByIdOnlyAndAStaleIdNeverActsOnARunStateOfThatName() throws Exception {
        RunState gone = runningTask("it-stale-button");
        gone.cancel();
        await("the stale button's task ended", () -> !gone.isRunning());
        String staleId = Long.toString(gone.id());
        String unknownId = Long.toString(gone.id() + 1_000_000_000L);
        String otherDigits = "\u0664\u0662"; // ARABIC-INDIC DIGIT FOUR, TWO: "42" to Character.isDigit
        RunState namedStale = runningTask(staleId);
        RunState namedUnknown = runningTask(unknownId);
        RunState namedOther = runningTask(otherDigits);
        Http browser = new Http(console, USER, PASSWORD);
        String token = token(browser.get("/resources").body());
        for (String action : List.of("cancel", "pause")) {
            HttpResponse<String> stale = browser.post("/resources", Map.of("action", action, "id", staleId),
                    "Accept", "application/json", "X-CSRF-Token", token);
            assertThat(stale.statusCode()).as(action + " of an ended id").isEqualTo(409);
            assertThat(stale.body()).contains("RunState " + staleId + " has already ended");
            HttpResponse<String> unknown = browser.post("/resources", Map.of("action", action, "id", unknownId),
                    "Accept", "application/json", "X-CSRF-Token", token);
            assertThat(unknown.statusCode()).as(action + " of an unknown id").isEqualTo(409);
            assertThat(unknown.body()).contains("no live RunState has the id " + unknownId);
            HttpResponse<String> other = browser.post("/resources", Map.of("action", action, "id", otherDigits),
                    "Accept", "application/json", "X-CSRF-Token", token);
            assertThat(other.statusCode()).as(action + " of digits that are not ASCII").isEqualTo(400);
            assertThat(other.body()).contains("give the id of a RunState (decimal digits)");
        }
        for (RunState untouched : List.of(namedStale, namedUnknown, namedOther)) {
            assertThat(untouched.state()).as(untouched.name()).isEqualTo(RunState.State.RUNNING);
        }
        // The runtime's own by-id calls: the same rule for JMX and anyone else.
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> runtime.cancelByIds(List.of(Long.parseLong(unknownId))))
                .withMessageStartingWith("cancel: no live RunState has the id " + unknownId + "; nothing was cancelled");
        assertThat(namedUnknown.isCancelled()).isFalse();
        assertThat(runtime.cancelByIds(List.of(namedUnknown.id())).get(0).id()).isEqualTo(namedUnknown.id());
        assertThat(namedUnknown.isCancelled()).isTrue();
    }

    @Test
    void progressTheTreeAndPauseAndResumeWithTheToken() throws Exception {
        RunState batch = new RunState("it-batch");
        batch.start();
        batch.setTotal(100);
        batch.setDone(40);
        batch.setMessage("copying <files>");
        RunState part = batch.child("it-batch-part");
        part.start();
        ServiceRegistration<?> reg = context.registerService(RunState.class, batch, null);
        try {
            pauseAndResume(batch, part);
        } finally {
            part.stop();
            batch.stop();
            reg.unregister();
        }
    }

    void pauseAndResume(RunState batch, RunState part) throws Exception {
        Http browser = new Http(console, USER, PASSWORD);
        await("the page lists the batch", () -> get(browser, "/resources").contains("data-id=\"" + batch.id() + "\""));
        String html = browser.get("/resources").body();
        String token = token(html);
        String batchRow = row(html, "cs-runstates", "data-id=\"" + batch.id() + "\"");
        assertThat(batchRow).contains("<progress max=\"100\" value=\"40\"", "40% copying &lt;files&gt;",
                "value=\"pause\"", "value=\"cancel\"").doesNotContain("value=\"resume\"");
        // The child under its parent, indented, naming it.
        assertThat(html.indexOf("data-id=\"" + part.id() + "\"")).isGreaterThan(html.indexOf("data-id=\"" + batch.id() + "\""));
        assertThat(row(html, "cs-runstates", "data-id=\"" + part.id() + "\"")).contains("data-parent-id=\"" + batch.id() + "\"",
                "class=\"cs-child\"", "it-batch-part");
        Map<String, Object> json = new JSONParser(browser.get("/resources.json").body()).getParsed();
        assertThat(find(json, "runStates", "id", part.id())).containsEntry("parentId", batch.id());
        assertThat(find(json, "runStates", "id", batch.id())).containsEntry("done", 40L).containsEntry("total", 100L)
                .containsEntry("percentDone", 40L).containsEntry("message", "copying <files>");

        Map<String, String> pause = Map.of("action", "pause", "id", Long.toString(batch.id()));
        assertThat(browser.post("/resources", pause).statusCode()).as("without the token").isEqualTo(403);
        assertThat(batch.isPaused()).isFalse();
        assertThat(browser.post("/resources", with(pause, "token", token)).statusCode()).isEqualTo(303);
        assertThat(batch.state()).isEqualTo(RunState.State.PAUSED);
        String paused = row(browser.get("/resources").body(), "cs-runstates", "data-id=\"" + batch.id() + "\"");
        assertThat(paused).contains(">PAUSED<", "value=\"resume\"", "value=\"cancel\"").doesNotContain("value=\"pause\"");
        HttpResponse<String> again = browser.post("/resources", pause, "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(again.statusCode()).as("a paused one stays paused: " + again.body()).isEqualTo(200);
        assertThat(find(new JSONParser(again.body()).getParsed(), "paused", "id", batch.id())).containsEntry("state", "PAUSED");

        HttpResponse<String> resumed = browser.post("/resources", Map.of("action", "resume", "id",
                Long.toString(batch.id())), "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(resumed.statusCode()).isEqualTo(200);
        assertThat(find(new JSONParser(resumed.body()).getParsed(), "resumed", "id", batch.id()))
                .containsEntry("state", "RUNNING");
        assertThat(batch.state()).isEqualTo(RunState.State.RUNNING);
        HttpResponse<String> notPaused = browser.post("/resources", Map.of("action", "resume", "id",
                Long.toString(batch.id())), "Accept", "application/json", "X-CSRF-Token", token);
        assertThat(notPaused.statusCode()).as("a running one cannot be resumed: " + notPaused.body()).isEqualTo(409);
        assertThat(notPaused.body()).contains("it-batch");
    }

    static String get(Http http, String path) {
        try {
            return http.get(path).body();
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Test
    void hostileNamesShowAsText() throws Exception {
        RunState rs = runningTask(HOSTILE);
        Http browser = new Http(console, USER, PASSWORD);
        String html = browser.get("/resources").body();
        String row = row(html, "cs-runstates", "data-id=\"" + rs.id() + "\"");
        assertThat(row).contains("&lt;script&gt;alert(&#39;it&#39;)&lt;/script&gt; &#36;{appRoot} &#34;q&#34;");
        assertThat(html).doesNotContain("<script>alert(");
        // The console's template filter left the name alone: no console path where ${appRoot} was.
        assertThat(row).doesNotContain("/system/console &#34;q");
        Map<String, Object> json = new JSONParser(browser.get("/resources.json").body()).getParsed();
        assertThat(find(json, "runStates", "id", rs.id())).containsEntry("name", HOSTILE);
    }

    // ----------------------------------------------------------------------- health, inventory

    @Test
    void theHealthCheckWarnsOfARunStateStoppingTooLongAndIsOkOtherwise() throws Exception {
        configure("cs.resources.webconsole", "sampleSeconds", 1);
        configure("cs.resources.health", "stoppingThresholdSeconds", 1L);
        await("the health check is OK", () -> health().status().equals("OK"));
        assertThat(health().log()).anyMatch(m -> m.startsWith("OK cs.resources OK: "));

        RunState stuck = new RunState("it-stuck {}");
        stuck.start();
        stuck.cancel(); // cancelled, still running: STOPPING
        registered.add(context.registerService(RunState.class, stuck, null));
        await("the health check warns", () -> health().status().equals("WARN"));
        assertThat(health().log()).anySatisfy(m -> assertThat(m)
                .startsWith("WARN RunState " + stuck.id() + " it-stuck {} (bundle cs.resources.itest.web.tests): stopping for ")
                .endsWith("(threshold 1 s); it was cancelled and has not ended"));
        stuck.stop();
        await("the health check is OK again", () -> health().status().equals("OK"));
    }

    @Test
    void theHealthCheckWarnsOfAPoolWithWaitersOrTimeoutsInTheWindow() throws Exception {
        configure("cs.resources.webconsole", "sampleSeconds", 1);
        configure("cs.resources.health", "poolWindowSeconds", 10L);
        await("the health check is OK", () -> health().status().equals("OK"));
        Pool<Object> capped = Pool.builder(Object::new).name("it-capped").maxTotal(1).build();
        ServiceRegistration<?> reg = context.registerService(Pool.class, capped, null);
        registered.add(reg);
        long serviceId = (Long) reg.getReference().getProperty(org.osgi.framework.Constants.SERVICE_ID);
        String prefix = "WARN pool it-capped (service " + serviceId + ", bundle cs.resources.itest.web.tests): in the last 10 s, ";
        Pool.Lease<Object> held = capped.instance();
        java.util.concurrent.CompletableFuture<Object> waiter = new java.util.concurrent.CompletableFuture<>();
        Thread borrower = new Thread(() -> {
            try (Pool.Lease<Object> lease = capped.instance(Duration.ofSeconds(60))) {
                waiter.complete(lease.get());
            } catch (RuntimeException e) {
                waiter.completeExceptionally(e);
            }
        }, "it-capped-borrower");
        try {
            borrower.start();
            await("a borrower waits at the cap", () -> capped.stats().waiting() == 1);
            await("the health check warns of the waiter", () -> health().status().equals("WARN"));
            assertThat(health().log()).anySatisfy(m -> assertThat(m).startsWith(prefix + "up to 1 borrowers waiting, "));
            // One that will not wait times out: counted in the window too.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> capped.instance(Duration.ZERO))
                    .isInstanceOf(cs.resources.PoolTimeoutException.class);
            await("the health check counts the timeout", () -> health().log().stream()
                    .anyMatch(m -> m.startsWith(prefix) && m.endsWith(", 1 timeouts")));
            Map<String, Object> json = new JSONParser(new Http(console, USER, PASSWORD).get("/resources.json").body())
                    .getParsed();
            assertThat(find(json, "pools", "serviceId", serviceId)).containsEntry("maxTotal", 1L)
                    .containsEntry("waiting", 1L).containsEntry("timeouts", 1L);
        } finally {
            held.close();
            borrower.join(TIMEOUT);
        }
        assertThat(waiter).isCompleted();
        await("the health check is OK once the window has passed", () -> health().status().equals("OK"));
    }

    /** A MultiOpen whose startup fails while {@link #fail} is set. */
    static final class Flaky extends cs.resources.AbstractMultiOpen {
        final java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean(true);

        @Override
        protected void startup() throws java.io.IOException {
            if (fail.get()) {
                throw new java.io.IOException("it-flaky: <connection refused>");
            }
        }
    }

    @Test
    void aMultiOpenWhoseLastStartupFailedIsCriticalUntilAStartupSucceeds() throws Exception {
        await("the health check is OK", () -> health().status().equals("OK"));
        Flaky flaky = new Flaky();
        ServiceRegistration<?> reg = context.registerService(cs.resources.MultiOpen.class, flaky, null);
        registered.add(reg);
        long serviceId = (Long) reg.getReference().getProperty(org.osgi.framework.Constants.SERVICE_ID);
        org.assertj.core.api.Assertions.assertThatThrownBy(flaky::open).hasRootCauseMessage("it-flaky: <connection refused>");

        await("the health check is CRITICAL", () -> health().status().equals("CRITICAL"));
        assertThat(health().log()).anySatisfy(m -> assertThat(m).isEqualTo("CRITICAL MultiOpen service " + serviceId
                + " (" + Flaky.class.getName() + ", bundle cs.resources.itest.web.tests): its last startup failed:"
                + " java.io.IOException: it-flaky: <connection refused>"));
        Map<String, Object> json = new JSONParser(new Http(console, USER, PASSWORD).get("/resources.json").body())
                .getParsed();
        assertThat(find(json, "multiOpens", "serviceId", serviceId))
                .containsEntry("lastStartupFailure", "java.io.IOException: it-flaky: <connection refused>")
                .containsEntry("phase", "NEW").containsEntry("registered", true).containsEntry("retired", false);
        assertThat(new Http(console, USER, PASSWORD).get("/resources").body())
                .contains("java.io.IOException: it-flaky: &lt;connection refused&gt;");

        flaky.fail.set(false);
        flaky.open();
        try {
            await("the health check is OK after a startup that succeeded", () -> health().status().equals("OK"));
            Map<String, Object> after = new JSONParser(new Http(console, USER, PASSWORD).get("/resources.json").body())
                    .getParsed();
            assertThat(find(after, "multiOpens", "serviceId", serviceId)).containsEntry("lastStartupFailure", null)
                    .containsEntry("phase", "OPEN");
        } finally {
            flaky.close();
        }
    }

    Consoles.Health health() {
        try {
            return Consoles.health(context, "cs.resources", TIMEOUT);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theInventoryPrinterDumpsRunStatesMultiOpensAndPoolsWithHolders() throws Exception {
        RunState rs = runningTask("it-inventory-task");
        LeakDetection.setEnabled(true);
        Pool<Object> pool = pool("it-held");
        Pool.Lease<Object> lease = pool.instance();
        try {
            String text = Consoles.inventory(context, "cs.resources", "TEXT", TIMEOUT);
            assertThat(text).contains("RunStates (", "MultiOpens (", "Pools (", "it-inventory-task",
                    "cs.resources.OpenableMultiOpen", "it-held", "lease of Pool[it-held] by thread \"",
                    "at cs.resources.itest.web.WebConsoleIT.theInventoryPrinterDumps");
            Map<String, Object> parsed = new JSONParser(Consoles.inventory(context, "cs.resources", "JSON", TIMEOUT))
                    .getParsed();
            assertThat(find(parsed, "runStates", "id", rs.id())).containsEntry("state", "RUNNING");
            Map<String, Object> p = find(parsed, "pools", "name", "it-held");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> holders = (List<Map<String, Object>>) p.get("holders");
            assertThat(holders).singleElement().satisfies(h -> assertThat(h).containsEntry("kind", "lease")
                    .containsKey("stack"));
            assertThat(String.valueOf(holders.get(0).get("opener")))
                    .startsWith("cs.resources.itest.web.WebConsoleIT.theInventoryPrinterDumps");
        } finally {
            lease.close();
        }
    }

    @Test
    void bothConfigurationsHaveAMetatype() throws Exception {
        List<String> ids = Consoles.metatype(context, bundle("cs.resources.webconsole"), "cs.resources.health", TIMEOUT);
        assertThat(ids).contains("cs.resources.webconsole", "cs.resources.health", "cs.resources.health/hc.tags",
                "cs.resources.health/stoppingThresholdSeconds", "cs.resources.health/poolWindowSeconds");
    }

    @Test
    void theSamplerThreadEndsWithTheBundle() throws Exception {
        Bundle webconsole = bundle("cs.resources.webconsole");
        new Http(console, USER, PASSWORD).get("/resources"); // the page is in use: its sampler runs
        await("the sampler runs", () -> sampler() != null);
        Thread thread = sampler();
        webconsole.stop();
        try {
            thread.join(TIMEOUT);
            assertThat(thread.isAlive()).as("the sampler thread after the bundle stopped").isFalse();
            assertThat(sampler()).isNull();
        } finally {
            webconsole.start();
        }
        awaitPage();
    }

    // ---------------------------------------------------------------------------------- helpers

    RunState runningTask(String name) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        RunState rs = tasks.submit(name, r -> {
            running.countDown();
            while (r.sleep(Duration.ofSeconds(60))) {
                // runs until cancelled
            }
        }).runState();
        started.add(rs);
        assertThat(running.await(TIMEOUT, TimeUnit.MILLISECONDS)).as(name + " started").isTrue();
        return rs;
    }

    Pool<Object> pool(String name) {
        Pool<Object> pool = Pool.builder(Object::new).name(name).build();
        registered.add(context.registerService(Pool.class, pool, null));
        return pool;
    }

    void configure(String pid, String key, Object value) throws Exception {
        Configuration c = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> d = new Hashtable<>();
        d.put(key, value);
        c.update(d);
        configured.add(c);
    }

    Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    static Thread sampler() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("cs.resources.webconsole sampler") && t.isAlive()).findFirst().orElse(null);
    }

    static String token(String html) {
        Matcher m = Pattern.compile("data-token=\"([A-Za-z0-9_-]+)\"").matcher(html);
        assertThat(m.find()).as("the page carries a token").isTrue();
        return m.group(1);
    }

    /** The table row of {@code table} that contains {@code marker}. */
    static String row(String html, String table, String marker) {
        int t = html.indexOf("id=\"" + table + "\"");
        assertThat(t).as("table " + table).isGreaterThanOrEqualTo(0);
        String body = html.substring(t, html.indexOf("</table>", t));
        for (String row : body.split("<tr")) {
            if (row.contains(marker)) {
                return row;
            }
        }
        throw new AssertionError("no row with " + marker + " in table " + table + ":\n" + body);
    }

    static Map<String, String> with(Map<String, String> form, String key, String value) {
        Map<String, String> m = new java.util.LinkedHashMap<>(form);
        m.put(key, value);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> find(Map<String, Object> json, String list, String key, Object value) {
        for (Object o : (List<Object>) json.get(list)) {
            Map<String, Object> m = (Map<String, Object>) o;
            Object v = m.get(key);
            if (String.valueOf(v).equals(String.valueOf(value))) {
                return m;
            }
        }
        throw new AssertionError("no entry with " + key + "=" + value + " in " + list + ": " + json.get(list));
    }

    @SuppressWarnings("unchecked")
    static List<Long> ids(Map<String, Object> json, String list) {
        return ((List<Object>) json.get(list)).stream().map(o -> ((Number) ((Map<String, Object>) o).get("id")).longValue())
                .toList();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50); // polling a state, with a deadline
        }
    }

}
